from gridapp.privacy import mask_id_number, mask_name, mask_phone


def test_phones_show_the_ends_only():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("1234567") == "*******"
    assert mask_phone(None) is None and mask_phone("") is None


def test_id_numbers_hide_the_birth_date():
    assert mask_id_number("150603199001011234") == "150***********1234"
    assert "19900101" not in mask_id_number("150603199001011234")


def test_names_keep_the_surname():
    assert [mask_name(n) for n in ("王", "李娜", "欧阳小明")] == ["王", "李*", "欧**明"]
