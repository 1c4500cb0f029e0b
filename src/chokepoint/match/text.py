"""Tokenization for matching: Chinese word segmentation (jieba), English words, a synonym list.

Different wordings of the same chain technology map to one canonical token (``syn:<group>``) so
that "光刻机", "光刻设备" and "lithography tools" match each other. The list is documented here and
extended per project as needed.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

#: Synonym groups of the chain's terms (English and Chinese wordings of one technology).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "lithography": (
        "lithography",
        "lithographic",
        "photolithography",
        "光刻",
        "光刻机",
        "光刻设备",
        "曝光机",
    ),
    "euv": ("euv", "extreme ultraviolet", "极紫外"),
    "photoresist": ("photoresist", "photoresists", "resist", "光刻胶", "光阻"),
    "deposition": ("deposition", "cvd", "pvd", "ald", "沉积", "薄膜沉积", "镀膜"),
    "etch": ("etch", "etching", "etcher", "刻蚀", "蚀刻"),
    "wafer": ("wafer", "wafers", "silicon wafer", "硅片", "晶圆"),
    "eda": ("eda", "electronic design automation", "设计软件", "eda软件"),
    "packaging": ("packaging", "assembly", "封装", "封测"),
    "metrology": ("metrology", "inspection", "量测", "检测"),
    "ion_implant": ("implanter", "implantation", "离子注入", "注入机"),
    "cmp": ("cmp", "planarization", "polishing", "抛光", "化学机械抛光"),
    "laser": ("laser", "lasers", "激光", "激光器"),
    "light_source": ("light source", "光源"),
}

#: Stopwords: English function words, Chinese function words, and the boilerplate of challenge
#: announcements (攻关, 国产化, 高端, ...) that every challenge says and that names no capability.
_STOP_TEXT = """
a an and are as at be by for from has have in is it its of on or that the this to was were which with we
our these those their can not no via using used use based new two one also than such may been more most
的 了 和 与 及 在 是 对 为 等 中 上 下 一 个 种 研制 研究 开发 需要 提供
攻关 攻克 研发 国产 国产化 自主 高端 关键 突破 替代 卡脖子
"""
STOPWORDS = frozenset(_STOP_TEXT.split())
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_SYNONYM_FREQ = 100_000
_WORD = re.compile(r"[a-z0-9][a-z0-9\-]*[a-z0-9]|[a-z]")


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(60)
    for words in SYNONYMS.values():
        for w in words:
            if _CJK.fullmatch(w):
                # a high frequency, so that a synonym term beats segmentations that straddle it
                # (极紫外光刻 is 极紫外 + 光刻, not 极 + 紫外光 + 刻)
                jieba.add_word(w, freq=max(jieba.get_FREQ(w) or 0, _SYNONYM_FREQ))
    return jieba


@lru_cache(maxsize=1)
def _synonym_index() -> tuple[dict[str, str], list[tuple[str, str]]]:
    single = {}
    phrases = []
    for group, words in SYNONYMS.items():
        for w in words:
            if " " in w:
                phrases.append((w, group))
            else:
                single[w] = group
    return single, phrases


def tokens(text: str) -> list[str]:
    """Tokens of ``text`` for matching: English words and jieba-segmented Chinese words.

    Words are lower-cased and stopwords dropped; one ``syn:<group>`` token is added for every
    synonym-list term found.
    """
    text = (text or "").lower()
    out: list[str] = []
    for part in re.split(r"([\u4e00-\u9fff]+)", text):
        if not part:
            continue
        if _CJK.fullmatch(part):
            out += [w for w in _jieba().lcut(part) if w.strip() and w not in STOPWORDS]
        else:
            out += [w for w in _WORD.findall(part) if w not in STOPWORDS]
    single, phrases = _synonym_index()
    syn = [f"syn:{single[w]}" for w in out if w in single]
    syn += [f"syn:{g}" for p, g in phrases if p in text]
    return out + syn
