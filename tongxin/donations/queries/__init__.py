"""Every read of donations that is more than a filter, one module per part (appeals, donations,
stock, handovers, overview) and the public disclosure's reads (public: no scope, only what may be
published: never a donor's name without consent, never personal data)."""
