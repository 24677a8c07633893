"""Twilio webhook parsing: signatures over the raw form (blank fields kept), proxy URLs."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs

from twilio.request_validator import RequestValidator

from channels.gateway.twilio_webhook import (
    bounded_form,
    candidate_urls,
    location_from,
    media_from,
    split_address,
)

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads" / "twilio"
TOKEN = "twilio-auth-token"
URL = "https://layani.example.go.id/webhooks/twilio/webhook"


def sign(raw: str, url: str = URL) -> str:
    params = parse_qs(raw, keep_blank_values=True)
    return RequestValidator(TOKEN).compute_signature(url, {k: v[0] for k, v in params.items()})


def test_known_vector_from_twilio_tests():
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert (
        RequestValidator("12345").compute_signature(url, params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    )


def test_blank_fields_must_be_kept_for_validation():
    raw = (PAYLOADS / "whatsapp_media_only.form").read_text()
    signature = sign(raw)
    validator = RequestValidator(TOKEN)
    assert validator.validate(URL, bounded_form(raw.encode(), 65536, 200), signature)
    # What Sanic 21.12's request.form gives (parse_qs without keep_blank_values) fails:
    dropped = parse_qs(raw)
    assert "Body" not in dropped
    assert not validator.validate(URL, {k: v[0] for k, v in dropped.items()}, signature)


def fake_request(headers, path="/webhooks/twilio/webhook", query=""):
    return SimpleNamespace(path=path, query_string=query, headers=headers, scheme="http")


def test_candidate_urls_honour_forwarded_proto_and_host():
    request = fake_request(
        {
            "host": "10.0.0.5:5005",
            "x-forwarded-proto": "https",
            "x-forwarded-host": "chat.kota.go.id",
        }
    )
    urls = candidate_urls(request, "https://layani.example.go.id")
    assert urls == [URL, "https://chat.kota.go.id/webhooks/twilio/webhook"]
    plain = candidate_urls(fake_request({"host": "layani.example.go.id"}), "")
    assert plain == ["http://layani.example.go.id/webhooks/twilio/webhook"]


def test_whatsapp_and_sms_are_one_sender():
    assert split_address("whatsapp:+6281234567890") == ("+6281234567890", "whatsapp")
    assert split_address("+6281234567890") == ("+6281234567890", "sms")


def test_media_and_location_fields():
    media_params = parse_qs(
        (PAYLOADS / "whatsapp_media_only.form").read_text(), keep_blank_values=True
    )
    media = media_from(media_params)
    assert len(media) == 1 and media[0]["content_type"] == "image/jpeg"
    assert media[0]["url"].startswith("https://api.twilio.com/")
    loc_params = parse_qs((PAYLOADS / "whatsapp_location.form").read_text(), keep_blank_values=True)
    location = location_from(loc_params)
    assert location["latitude"] == -6.2087634 and location["longitude"] == 106.845599
    assert location_from({"Latitude": ["91"], "Longitude": ["0"]}) is None


def test_gateway_decodes_a_bounded_form_once_and_keeps_blank_fields():
    from channels.gateway.twilio_webhook import Rejected, signature_shape_ok

    raw = (PAYLOADS / "whatsapp_media_only.form").read_text()
    params = bounded_form(raw.encode(), 65536, 200)
    # The same decoding the signature was made on, blank fields and all.
    assert params == parse_qs(raw, keep_blank_values=True)
    assert RequestValidator(TOKEN).validate(URL, params, sign(raw))
    for body, status in ((b"a=1&" * 100 + b"b=2", 413), (b"x" * 70_000, 413)):
        try:
            bounded_form(body, 65536, 100)
        except Rejected as rejected:
            assert rejected.status == status
        else:
            raise AssertionError("not rejected")
    assert signature_shape_ok(sign(raw))
    assert not signature_shape_ok("") and not signature_shape_ok("a" * 28)
