"""Fictional Chinese names for demo data. Every person in demo data is invented."""

import random

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建文红晓东海燕春雪梅志宏雨晨欣怡思源浩然子涵嘉宇俊峰佳琪婷雅琳博文凯旭彬斌振宁蕾颖璐薇倩瑶瑜鑫淼森林晖曦昊睿哲"
)


def fictional_name(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    length = 1 if rng.random() < 0.3 else 2
    return surname + "".join(rng.choice(GIVEN) for _ in range(length))


def unique_names(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        name = fictional_name(rng)
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names
