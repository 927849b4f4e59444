"""Writers that turn a simulated :class:`~winback.demo.simulator.DemoShop` into export files.

Each platform writer produces the files that platform's back office exports; ``extras`` writes
the chats, carts, favourites, feedback and stock files with their generic mapping files.
"""
