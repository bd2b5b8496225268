"""Every SMS fits two segments: 306 GSM characters, or 134 once a Bangla letter makes it UCS-2."""

import pytest

from notifications.models import Outbox
from notifications.services import notify_sms
from notifications.sms import sms_fit

BANGLA = "আপনার অভিযোগ নিষ্পত্তি হয়েছে"  # 28 characters, none of them in the GSM alphabet


def test_a_gsm_text_of_two_full_segments_is_kept_whole():
    text = "a" * 306
    assert sms_fit(text) == text


def test_a_longer_gsm_text_is_cut_to_306_characters_ending_in_three_dots():
    text = "GRS: grievance 1234-5678-9 is resolved: " + "x" * 400
    fitted = sms_fit(text)
    assert len(fitted) == 306
    assert fitted.startswith("GRS: grievance 1234-5678-9 is resolved: x")
    assert fitted.endswith("xxx...")
    assert "…" not in fitted  # it would turn the whole text into UCS-2


def test_one_segment_holds_160_gsm_characters():
    assert sms_fit("b" * 160, segments=1) == "b" * 160
    assert sms_fit("b" * 161, segments=1) == "b" * 157 + "..."


def test_a_bangla_text_of_134_characters_is_kept_whole():
    text = (BANGLA * 5)[:134]
    assert sms_fit(text) == text


def test_a_longer_bangla_text_is_cut_to_134_characters_ending_in_an_ellipsis():
    fitted = sms_fit(BANGLA * 5)
    assert len(fitted) == 134
    assert fitted == (BANGLA * 5)[:133] + "…"


def test_one_bangla_letter_makes_an_english_text_count_as_ucs2():
    text = "a" * 140 + "অ"
    fitted = sms_fit(text)
    assert fitted == "a" * 133 + "…"


def test_a_bangla_letter_in_the_cut_part_leaves_the_text_in_gsm():
    text = "a" * 400 + "অ"
    assert sms_fit(text) == "a" * 303 + "..."


@pytest.mark.parametrize("char", list("^{}\\[~]|€"))
def test_extension_characters_take_two_places(char):
    assert sms_fit(char * 153) == char * 153
    fitted = sms_fit(char * 154)
    assert fitted == char * 151 + "..."


def test_a_character_outside_the_basic_plane_takes_two_ucs2_units():
    text = "😀" * 67
    assert sms_fit(text) == text
    assert sms_fit(text + "😀") == "😀" * 66 + "…"


@pytest.mark.django_db
def test_notify_sms_queues_the_fitted_text():
    message = notify_sms(to="+8801712345678", body="GRS: grievance 1234-5678-9: " + "z" * 1000)
    stored = Outbox.objects.get(pk=message.pk)
    assert len(stored.body) == 306
    assert stored.body.startswith("GRS: grievance 1234-5678-9: zzz") and stored.body.endswith("...")
