"""The demo shop: a simulated Taobao store written out as real platform export files.

:func:`winback.demo.simulator.simulate` builds the shop (orders, buyers, chats, carts,
favourites, feedback and stock) from a seed; :mod:`winback.demo.table` builds the same order
distributions as one Arrow table for the 10-million-order benchmarks; the writers in
:mod:`winback.demo.exports` turn the shop into files the public importers read.
"""
