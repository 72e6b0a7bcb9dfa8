"""Seeds for accounts, sign-in, units, teams, memberships and attachments."""

from __future__ import annotations

import io

from django.test import Client
from PIL import Image

from tests.fuzz.seeds import Seed, seed
from tests.world import PASSWORD, person
from tongxin.accounts.tokens import issue_token
from tongxin.units.models import Role

NEW_PASSWORD = "Yiyang#2021x"


def newcomer(w, username="nanxian-home-09"):
    """An account of 南县福利院 that the fuzz run may lock, reset and deactivate (not one it signs in as)."""
    return person(username, w.nanxian_home, Role.REPORTER, "易新")


def locked_out(username: str) -> None:
    """Five wrong passwords on the token endpoint: the account is locked out (django-axes)."""
    client = Client(REMOTE_ADDR="10.9.9.9")
    for _ in range(5):
        client.post("/api/auth/token/", {"username": username, "password": "wrong"}, content_type="application/json")


@seed("POST /api/units/")
def create_unit(w):
    return Seed("nanxian", body={"name": "南县华阁镇敬老院", "kind": "elderly_care", "region": "430921",
                                 "in_service_from": "2021-01-01"})


@seed("PUT /api/units/{id}/")
def replace_unit(w):
    return Seed("nanxian", path={"id": w.nanxian_home_2.pk},
                body={"name": "南县南洲镇敬老院", "kind": "elderly_care", "region": "430921", "beds": 60,
                      "residents": 41, "staff": 9, "contact_person": "周红", "phone": "0737-5221234",
                      "in_service_from": "2021-01-01"})


@seed("PATCH /api/units/{id}/")
def update_unit(w):
    return Seed("nanxian", path={"id": w.nanxian_home.pk}, body={"residents": 84})


@seed("POST /api/accounts/")
def create_account(w):
    return Seed("secadmin", body={"username": "nanxian-home-07", "full_name": "易", "unit": "南县福利院",
                                  "role": "reporter"})


@seed("POST /api/accounts/{id}/deactivate/")
def deactivate(w):
    return Seed("secadmin", path={"id": newcomer(w).pk})


@seed("POST /api/accounts/{id}/lock/")
def lock(w):
    return Seed("secadmin", path={"id": newcomer(w).pk}, body={"reason": "人员调离，暂停使用"})


@seed("POST /api/accounts/{id}/unlock/")
def unlock(w):
    from tongxin.units import administration

    user = newcomer(w)
    administration.change_state(w.secadmin, user, "lock", reason="人员调离")
    return Seed("secadmin", path={"id": user.pk})


@seed("POST /api/accounts/{id}/reactivate/")
def reactivate(w):
    from tongxin.units import administration

    user = newcomer(w)
    administration.change_state(w.secadmin, user, "deactivate")
    return Seed("secadmin", path={"id": user.pk})


@seed("POST /api/accounts/{id}/reset-password/")
def reset_password(w):
    return Seed("secadmin", path={"id": newcomer(w).pk}, body={"password": ""})


@seed("POST /api/accounts/{id}/roles/")
def grant_role(w):
    return Seed("secadmin", path={"id": newcomer(w).pk}, body={"unit": "南县南洲镇敬老院", "role": "reporter"})


@seed("DELETE /api/accounts/{id}/tokens/{token}/")
def revoke_their_token(w):
    user = newcomer(w)
    token, _key = issue_token(user, name="phone")
    return Seed("secadmin", path={"id": user.pk, "token": token.pk})


@seed("DELETE /api/memberships/{id}/")
def revoke_role(w):
    return Seed("secadmin", path={"id": newcomer(w).memberships.get().pk})


@seed("DELETE /api/lockouts/{id}/")
def lift_lockout(w):
    user = newcomer(w)
    locked_out(user.username)
    return Seed("secadmin", path={"id": f"account-{user.pk}"})


@seed("POST /api/auth/token/")
def sign_in(w):
    return Seed("nanxian", body={"username": "nanxian", "password": PASSWORD})


@seed("POST /api/auth/logout/")
def sign_out(w):
    return Seed("nanxian")


@seed("DELETE /api/auth/tokens/{id}/")
def revoke_own_token(w):
    token, _key = issue_token(w.nanxian, name="old phone")
    return Seed("nanxian", path={"id": token.pk})


@seed("POST /api/auth/password/")
def change_password(w):
    return Seed("nanxian", body={"old_password": PASSWORD, "new_password": NEW_PASSWORD})


@seed("POST /api/teams/")
def create_team(w):
    return Seed("nanxian", body={"name": "南县第一检查组", "bureau": w.nanxian_bureau.pk, "members": ["nanxian"],
                                 "start_date": "2021-07-26", "end_date": "2021-08-08"})


@seed("POST /api/attachments/")
def upload(w):
    image = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(image, "PNG")
    return Seed("nanxian-home-01", media_type="multipart/form-data",
                body={"file": image.getvalue(), "unit": str(w.nanxian_home.pk)})
