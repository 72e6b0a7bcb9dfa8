"""The public site (no login, read-only): notices, appeals and where every donation went.
(The portal part fills this in.)"""

urlpatterns: list = []
