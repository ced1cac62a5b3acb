"""公示脱敏: personal data of natural persons is hidden, organisation data and document numbers are not."""

import pytest

from archive.qc.redact import (
    ADDRESS_PLACEHOLDER,
    BANK_CARD_PLACEHOLDER,
    ID_PLACEHOLDER,
    PHONE_PLACEHOLDER,
    is_credit_code,
    is_id_number,
    mask_name,
    redact_text,
)

VALID_ID_X = "11010519491231002X"  # the GB 11643 example, check character X
VALID_ID = "141002198503120014"


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张某"),
        ("李小龙", "李某"),
        ("欧阳娜娜", "欧阳某"),
        ("司马光", "司马某"),
        ("诸葛亮", "诸葛某"),
        ("南宫问天", "南宫某"),
        ("欧阳", "欧某"),  # two characters: surname 欧, given name 阳
        (" 王五 ", "王某"),
        ("", ""),
        ("John Smith", "J某"),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_names_masked_everywhere_longest_first() -> None:
    text = "当事人张三丰与张三均在现场，张三丰拒不整改，欧阳娜娜作证。"
    assert redact_text(text, names=["张三", "张三丰", "欧阳娜娜", ""]) == (
        "当事人张某与张某均在现场，张某拒不整改，欧阳某作证。"
    )


def test_id_numbers() -> None:
    assert is_id_number(VALID_ID_X)
    assert redact_text(f"身份证号{VALID_ID_X}。") == f"身份证号{ID_PLACEHOLDER}。"
    assert redact_text(f"身份证号：{VALID_ID_X.lower()}") == f"身份证号：{ID_PLACEHOLDER}"
    assert redact_text(f"身份证号：{VALID_ID}，") == f"身份证号：{ID_PLACEHOLDER}，"
    # Old 15-digit format (YYMMDD birth date at positions 7–12).
    assert redact_text("身份证号141002850312001") == f"身份证号{ID_PLACEHOLDER}"


def test_all_digit_id_with_wrong_check_digit_still_redacted() -> None:
    # Decision: a valid birth date is enough for an all-digit 18-character number; a mistyped ID must
    # not end up in a public notice.
    wrong_check = VALID_ID[:-1] + "5"
    assert not is_id_number(VALID_ID[:-1] + "X")
    assert is_id_number(wrong_check)
    assert redact_text(f"身份证号{wrong_check}") == f"身份证号{ID_PLACEHOLDER}"


def test_x_with_wrong_check_character_is_not_an_id() -> None:
    # Only the check algorithm produces an X, so a wrong X means this is some other code.
    code = VALID_ID[:-1] + "X"
    assert redact_text(f"编号{code}") == f"编号{code}"


def test_invalid_dates_are_not_ids() -> None:
    assert not is_id_number("141002198513450014")  # month 13
    assert not is_id_number("141002180003120014")  # year 1800
    assert not is_id_number("141002000012345")  # old 15-digit 工商注册号 of a company
    assert redact_text("注册号141002000012345") == "注册号141002000012345"


def test_credit_codes_are_recognised() -> None:
    assert is_credit_code("91141002MA0K1234EY")
    assert is_credit_code("911410199003121052")
    assert not is_id_number("911410199003121052")
    assert not is_credit_code("911410199003121053")


@pytest.mark.parametrize(
    "phone",
    ["13800001234", "138-0000-1234", "138 0000 1234", "+86 13800001234", "+86-138-0000-1234", "8619912345678"],
)
def test_mobile_numbers(phone: str) -> None:
    assert redact_text(f"联系电话：{phone}，") == f"联系电话：{PHONE_PLACEHOLDER}，"


@pytest.mark.parametrize("phone", ["0357-2345678", "010-12345678", "（0357）2345678"])
def test_landline_numbers(phone: str) -> None:
    assert redact_text(f"电话{phone}。") == f"电话{PHONE_PLACEHOLDER}。"


@pytest.mark.parametrize("keyword", ["住址", "家庭住址", "住所", "居住地", "户籍地", "户籍地址"])
def test_addresses(keyword: str) -> None:
    text = f"张三，{keyword}：山西省临汾市尧都区解放路12号3单元401室，电话未留。"
    assert redact_text(text) == f"张三，{keyword}：{ADDRESS_PLACEHOLDER}，电话未留。"


def test_address_without_colon_and_at_line_end() -> None:
    assert redact_text("住址山西省临汾市尧都区某村\n下一行") == f"住址{ADDRESS_PLACEHOLDER}\n下一行"
    assert redact_text("居住地为临汾市某小区;") == f"居住地为{ADDRESS_PLACEHOLDER};"


@pytest.mark.parametrize("card", ["6222020200112345678", "6217000010001234", "6222 0202 0011 2345 678"])
def test_bank_cards(card: str) -> None:
    assert redact_text(f"开户账号{card}，") == f"开户账号{BANK_CARD_PLACEHOLDER}，"


def test_eighteen_digits_without_birth_date_are_a_bank_card() -> None:
    assert redact_text("账号141002198513450014") == f"账号{BANK_CARD_PLACEHOLDER}"


@pytest.mark.parametrize(
    "text",
    [
        "统一社会信用代码：91141002MA0K1234EY",
        "统一社会信用代码91140100110012345X",
        "（晋临）应急罚〔2023〕12号",
        "于2023年5月4日检查",
        "检查日期2023-05-04",
        "处罚款人民币30000元（叁万元整）",
        "罚款人民币1500000元",
        "依据《中华人民共和国安全生产法》第九十九条第一项",
        "依据第99条第1款",
        "统一社会信用代码：911401001100123458",  # all digits, no plausible birth date: not a bank card
        "统一社会信用代码：911410199003121052",  # all digits with a plausible birth date: not an ID
    ],
)
def test_untouched(text: str) -> None:
    assert redact_text(text, names=["张三"]) == text


def test_full_paragraph() -> None:
    text = (
        "当事人：张三，个体工商户（临汾市尧都区张三五金店经营者），"
        f"身份证号：{VALID_ID_X}，住址：山西省临汾市尧都区解放路12号3单元401室，"
        "联系电话：138-0000-1234，座机0357-2345678。\n"
        "违法事实：2023年5月4日，执法人员依法对张三经营的五金店进行检查，发现张三未按规定"
        "建立安全生产责任制，违反了《中华人民共和国安全生产法》第九十九条的规定。"
        "依据上述规定，决定对张三处罚款人民币30000元，文书编号（晋临）应急罚〔2023〕12号，"
        "罚款缴入开户银行账号6222020200112345678。"
    )
    expected = (
        "当事人：张某，个体工商户（临汾市尧都区张某五金店经营者），"
        f"身份证号：{ID_PLACEHOLDER}，住址：{ADDRESS_PLACEHOLDER}，"
        f"联系电话：{PHONE_PLACEHOLDER}，座机{PHONE_PLACEHOLDER}。\n"
        "违法事实：2023年5月4日，执法人员依法对张某经营的五金店进行检查，发现张某未按规定"
        "建立安全生产责任制，违反了《中华人民共和国安全生产法》第九十九条的规定。"
        "依据上述规定，决定对张某处罚款人民币30000元，文书编号（晋临）应急罚〔2023〕12号，"
        f"罚款缴入开户银行账号{BANK_CARD_PLACEHOLDER}。"
    )
    assert redact_text(text, names=["张三"]) == expected
    # Redacting twice changes nothing more.
    assert redact_text(expected, names=["张三"]) == expected


def test_an_organisations_registered_address_stays_but_a_persons_does_not() -> None:
    text = "当事人：鑫达化工有限公司，住所：临汾市尧都区工业园区8号；法定代表人王某，住址：尧都区解放路3号。"
    assert redact_text(text, organisation=True) == (
        "当事人：鑫达化工有限公司，住所：临汾市尧都区工业园区8号；法定代表人王某，住址：[住址已隐去]。"
    )
    assert "住所：[住址已隐去]" in redact_text(text)
