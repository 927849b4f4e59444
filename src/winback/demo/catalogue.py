"""The demo shop's catalogue: about 40 women's-wear products with colour and size variants.

Product 货号 MK103410 is the good seller the seed (002) analyses for broken sizes and colours.
Popularity falls off with rank (a few products sell most), colours sell by their position in
the product's list and sizes by a clothing size curve; the SKU weights are the product of the
three, so the restock analysis can recover the colour and size shares from past sales.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

SIZES: Final = ("S", "M", "L", "XL", "XXL")
SIZE_SHARES: Final = (0.12, 0.31, 0.29, 0.18, 0.10)

# 货号, title, base price (yuan), colours (best seller first).
_PRODUCTS: Final[tuple[tuple[str, str, int, tuple[str, ...]], ...]] = (
    ("MK102871", "俏艺2024夏季新款法式碎花连衣裙女收腰显瘦中长款", 239, ("白色", "藏青", "粉色")),
    (
        "MK103410",
        "俏艺针织开衫女春秋薄款百搭短款外搭毛衣外套",
        159,
        ("白色", "黑色", "卡其", "杏色"),
    ),
    ("MK103022", "俏艺高腰直筒牛仔裤女显瘦宽松阔腿拖地长裤", 169, ("浅蓝", "深蓝", "黑色")),
    ("MK101956", "俏艺白衬衫女长袖设计感小众职业通勤衬衣", 139, ("白色", "浅蓝", "卡其")),
    ("MK104118", "俏艺雪纺衫女短袖夏季宽松V领上衣", 99, ("白色", "黑色", "粉色", "杏色")),
    ("MK103655", "俏艺纯棉圆领T恤女短袖宽松百搭打底衫", 69, ("白色", "黑色", "灰色", "米白")),
    ("MK102214", "俏艺半身裙女夏高腰A字百褶中长裙", 129, ("黑色", "卡其", "藏青")),
    ("MK104562", "俏艺冰丝阔腿裤女夏季薄款垂感休闲裤", 119, ("黑色", "米白", "灰色")),
    ("MK101330", "俏艺风衣女中长款春秋英伦风过膝外套", 399, ("卡其", "黑色", "藏青")),
    ("MK102790", "俏艺连帽卫衣女宽松加绒上衣", 149, ("灰色", "黑色", "杏色", "粉色")),
    ("MK103901", "俏艺西装外套女小个子休闲西服上衣", 269, ("黑色", "卡其", "米白")),
    ("MK104007", "俏艺吊带连衣裙女夏季法式方领长裙", 189, ("黑色", "白色", "酒红")),
    ("MK102455", "俏艺条纹衬衫女宽松长袖防晒衬衣外套", 119, ("浅蓝", "白色", "粉色")),
    ("MK103128", "俏艺针织背心女马甲外穿叠穿上衣", 89, ("米白", "黑色", "卡其")),
    ("MK101702", "俏艺牛仔短裤女高腰夏季宽松显瘦", 99, ("浅蓝", "深蓝", "白色")),
    ("MK104390", "俏艺小香风外套女短款粗花呢上衣", 299, ("米白", "黑色", "粉色")),
    ("MK102063", "俏艺polo领连衣裙女收腰针织长裙", 219, ("黑色", "藏青", "杏色")),
    ("MK103277", "俏艺开叉直筒裙女高腰包臀半身裙", 139, ("黑色", "卡其", "灰色")),
    ("MK101488", "俏艺蕾丝打底衫女长袖内搭上衣", 79, ("白色", "黑色", "杏色")),
    ("MK104811", "俏艺工装裤女宽松束脚休闲裤", 159, ("卡其", "黑色", "灰色")),
    ("MK102936", "俏艺娃娃领衬衫女甜美泡泡袖上衣", 129, ("白色", "粉色", "浅蓝")),
    ("MK103544", "俏艺毛衣女套头宽松慵懒风针织衫", 179, ("米白", "灰色", "杏色", "酒红")),
    ("MK101219", "俏艺碎花半身裙女雪纺中长款", 109, ("藏青", "黑色", "白色")),
    ("MK104276", "俏艺西装裤女高腰垂感直筒九分裤", 149, ("黑色", "卡其", "灰色")),
    ("MK102608", "俏艺短袖T恤女印花宽松学生上衣", 59, ("白色", "黑色", "粉色")),
    ("MK103763", "俏艺衬衫裙女长款腰带收腰连衣裙", 229, ("卡其", "浅蓝", "白色")),
    ("MK101845", "俏艺背带裤女牛仔宽松减龄连体裤", 189, ("浅蓝", "深蓝")),
    ("MK104653", "俏艺防晒开衫女冰丝薄款外套", 89, ("白色", "黑色", "浅蓝", "粉色")),
    ("MK102347", "俏艺高领打底衫女修身长袖", 69, ("黑色", "白色", "米白", "酒红")),
    ("MK103389", "俏艺棉麻连衣裙女文艺宽松长裙", 199, ("米白", "卡其", "藏青")),
    ("MK101563", "俏艺皮衣外套女短款机车夹克", 359, ("黑色", "卡其")),
    ("MK104925", "俏艺灯芯绒半身裙女秋冬中长款", 139, ("卡其", "黑色", "酒红")),
    ("MK102189", "俏艺针织连衣裙女秋冬修身过膝", 249, ("黑色", "杏色", "灰色")),
    ("MK103816", "俏艺休闲运动裤女宽松直筒卫裤", 109, ("灰色", "黑色", "藏青")),
    ("MK101077", "俏艺真丝衬衫女长袖缎面上衣", 329, ("白色", "黑色", "酒红")),
    ("MK104444", "俏艺马甲女西装背心外穿", 129, ("黑色", "卡其")),
    ("MK102722", "俏艺喇叭裤女高腰显瘦微喇牛仔裤", 159, ("深蓝", "黑色", "浅蓝")),
    ("MK103098", "俏艺羊毛大衣女中长款双面呢外套", 599, ("驼色", "黑色", "灰色")),
    ("MK101604", "俏艺吊带背心女夏季内搭打底", 39, ("白色", "黑色", "杏色")),
    ("MK104180", "俏艺泡泡袖连衣裙女方领收腰短裙", 179, ("白色", "黑色", "浅蓝")),
)

FLAGSHIP_ITEM: Final = "MK103410"
"""The seed's product whose sizes and colours ran out (seed 002)."""


@dataclass(frozen=True)
class Catalogue:
    """Products and their SKUs as parallel arrays (index = SKU number)."""

    item_numbers: tuple[str, ...]
    product_ids: tuple[str, ...]
    titles: tuple[str, ...]
    sku_codes: tuple[str, ...]
    sku_product: npt.NDArray[np.int32]
    sku_colour: tuple[str, ...]
    sku_size: tuple[str, ...]
    sku_price_cents: npt.NDArray[np.int64]
    sku_weight: npt.NDArray[np.float64]
    """Share of all units sold that go to each SKU (sums to 1)."""

    @property
    def sku_count(self) -> int:
        return len(self.sku_codes)

    def product_of(self, item_number: str) -> int:
        return self.item_numbers.index(item_number)


def build_catalogue() -> Catalogue:
    """The fixed catalogue (no randomness: every seed sells the same products)."""
    codes: list[str] = []
    products: list[int] = []
    colours: list[str] = []
    sizes: list[str] = []
    prices: list[int] = []
    weights: list[float] = []
    for index, (item, _title, price, product_colours) in enumerate(_PRODUCTS):
        popularity = 1.0 / (index + 1) ** 0.85
        colour_shares = _colour_shares(len(product_colours))
        for colour_index, colour in enumerate(product_colours):
            for size, size_share in zip(SIZES, SIZE_SHARES, strict=True):
                codes.append(f"{item}-{colour_index + 1:02d}-{size}")
                products.append(index)
                colours.append(colour)
                sizes.append(size)
                # Larger sizes cost a little more on some items, as on many Taobao listings.
                surcharge = 10 if size == "XXL" and price >= 150 else 0
                prices.append((price + surcharge) * 100 - 10)
                weights.append(popularity * colour_shares[colour_index] * size_share)
    weight_array = np.asarray(weights, dtype=np.float64)
    return Catalogue(
        item_numbers=tuple(item for item, *_ in _PRODUCTS),
        product_ids=tuple(
            str(612_000_000_000 + 7_919_117 * (i + 1)) for i in range(len(_PRODUCTS))
        ),
        titles=tuple(title for _, title, *_ in _PRODUCTS),
        sku_codes=tuple(codes),
        sku_product=np.asarray(products, dtype=np.int32),
        sku_colour=tuple(colours),
        sku_size=tuple(sizes),
        sku_price_cents=np.asarray(prices, dtype=np.int64),
        sku_weight=weight_array / weight_array.sum(),
    )


def _colour_shares(count: int) -> list[float]:
    raw = [1.0 / (position + 1.5) for position in range(count)]
    total = sum(raw)
    return [share / total for share in raw]
