"""Appeals: create and edit a draft, publish, close; disclosures (publish one: figures frozen).

(The appeals part fills this in.) Contract other parts rely on:

- create_appeal(actor, unit, values: dict, *, issuers: list[Unit] = (), needs: list[dict] = ()) -> Appeal
- publish_appeal(actor, appeal) -> Appeal;  close_appeal(actor, appeal) -> Appeal
- publish_disclosure(actor, unit, appeal: Appeal | None, *, note="", is_final=False, at=None) -> Disclosure
"""
