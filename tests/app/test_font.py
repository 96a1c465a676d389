"""The bundled font: the Simplified Chinese face of Noto Sans CJK, covering every character the app can show."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[2]
FONTS = ROOT / "assets" / "fonts"
WEIGHTS = {"Regular": 400, "Bold": 700}
RERUN = "rerun scripts/make_font (it needs Debian's fonts-noto-cjk) and commit assets/fonts"
COMMON_HANZI = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行"
    "学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外"
    "天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情"
    "者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角"
    "期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交"
    "受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节"
    "话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备"
    "半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片"
    "始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"
)
PUNCTUATION = "，。、；：？！“”‘’（）《》「」【】—…·～　"
CHINESE_SIMPLIFIED = 1 << 18  # OS/2 ulCodePageRange1 bit 18: code page 936, PRC and Singapore
CHINESE_TRADITIONAL = 1 << 20  # bit 20: code page 950, Big5


@pytest.fixture(scope="module", params=sorted(WEIGHTS))
def style(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def font(style: str) -> TTFont:
    path = FONTS / f"NotoSansSC-{style}.otf"
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing: {RERUN}"
    return TTFont(path)


@pytest.fixture(scope="module")
def cmap(font: TTFont) -> set[str]:
    return {chr(code) for code in font.getBestCmap()}


def shipped_text() -> dict[str, str]:
    """Each character the app's catalogues and the demo seed data show -> the first file that uses it."""
    sources: dict[str, str] = {}
    for path in sorted((ROOT / "app" / "i18n").glob("*/*.json")):
        for text in json.loads(path.read_text(encoding="utf-8")).values():
            for char in text:
                sources.setdefault(char, str(path.relative_to(ROOT)))
    for char in (ROOT / "server" / "demo.py").read_text(encoding="utf-8"):
        if ord(char) > 0x7F:
            sources.setdefault(char, "server/demo.py")
    return {char: where for char, where in sources.items() if char.isprintable()}


def gb2312_hanzi() -> set[str]:
    """Both levels of GB2312's hanzi: rows 16-55 (level 1) and 56-87 (level 2)."""
    chars: set[str] = set()
    for lead in range(0xB0, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                continue  # the five unassigned cells at the end of level 1
    return chars


def test_is_a_cff_opentype_font_of_its_weight_under_3_mb(font: TTFont, style: str) -> None:
    path = FONTS / f"NotoSansSC-{style}.otf"
    assert font.sfntVersion == "OTTO"
    assert font["OS/2"].usWeightClass == WEIGHTS[style]
    assert path.stat().st_size < 3_000_000


def test_is_named_noto_sans_sc(font: TTFont, style: str) -> None:
    name = font["name"]
    assert name.getDebugName(1) == name.getDebugName(16) == "Noto Sans SC"
    assert name.getDebugName(2) == name.getDebugName(17) == style
    assert name.getDebugName(6) == f"NotoSansSC-{style}"
    assert font["CFF "].cff.fontNames == [f"NotoSansSC-{style}"]
    assert "Open Font License" in name.getDebugName(13)


def test_is_marked_and_shaped_as_simplified_chinese(font: TTFont) -> None:
    code_pages = font["OS/2"].ulCodePageRange1
    assert code_pages & CHINESE_SIMPLIFIED
    assert not code_pages & CHINESE_TRADITIONAL
    # No language system but Simplified Chinese's is left, so text tagged ja, ko or zh-Hant keeps SC forms.
    for tag in ("GSUB", "GPOS"):
        for record in font[tag].table.ScriptList.ScriptRecord:
            assert {r.LangSysTag for r in record.Script.LangSysRecord} <= {"ZHS "}, (tag, record.ScriptTag)


def test_covers_every_character_the_app_and_demo_data_show(cmap: set[str], style: str) -> None:
    shipped = shipped_text()
    assert "中" in shipped  # the catalogues and the demo data were read
    missing = {char: where for char, where in sorted(shipped.items()) if char not in cmap}
    assert not missing, f"NotoSansSC-{style}.otf lacks {missing}: {RERUN}"


def test_covers_gb2312_common_hanzi_and_punctuation(cmap: set[str]) -> None:
    hanzi = gb2312_hanzi()
    assert len(hanzi) == 6763
    assert set(COMMON_HANZI) <= hanzi
    assert sorted(hanzi - cmap) == []
    assert sorted(set(PUNCTUATION) - cmap) == []
    assert sorted({chr(c) for c in range(0x20, 0x7F)} - cmap) == []
