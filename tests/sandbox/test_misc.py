"""Dependents, referrals, invited friends and the profile widget."""

from __future__ import annotations

from django_diller.sandbox import (
    INVITATION_TOKEN_PENDING,
    SANDBOX_PUBLIC_URL,
    SEED_MEMBER_ID,
    SEED_STORE_ID,
)

MEMBER = f"/api/v2.0/stores/{SEED_STORE_ID}/members/{SEED_MEMBER_ID}"


def test_dependents_replace(client):
    assert client.get(f"{MEMBER}/dependents").json() == [
        {"id": 1, "name": "Ola jr.", "birthdate": "2015-06-01", "gender": "Male"}
    ]
    response = client.post(
        f"{MEMBER}/dependents",
        json=[{"name": "Lise", "birthdate": "2018-02-03", "gender": "Female"}],
    )
    assert response.status_code == 200
    assert response.content == b""  # the contract's 200 has no body
    assert client.get(f"{MEMBER}/dependents").json() == [
        {"id": 2, "name": "Lise", "birthdate": "2018-02-03", "gender": "Female"}
    ]


def test_dependent_gender_is_validated(client):
    response = client.post(f"{MEMBER}/dependents", json=[{"name": "X", "gender": "Robot"}])
    assert response.status_code == 400
    assert "[0].gender" in response.json()["errors"]


def test_invited_friends_and_referrals(client):
    friends = client.get(f"{MEMBER}/invited-friends").json()
    assert [(f["first_name"], f["is_accepted"], f["points"]) for f in friends] == [
        ("Ola", True, 50),
        ("Per", False, 0),
    ]
    assert len(client.get(f"{MEMBER}/invited-friend").json()) == 2
    filtered = client.get(
        f"{MEMBER}/invited-friend", params={"invitationToken": INVITATION_TOKEN_PENDING}
    ).json()
    assert [f["first_name"] for f in filtered] == ["Per"]


def test_widget_profile(client):
    widget = client.get(f"{MEMBER}/widgets/profile").json()
    assert widget == {"details_url": f"{SANDBOX_PUBLIC_URL}/members/{SEED_MEMBER_ID}"}
