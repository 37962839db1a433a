"""Keys and JOSE (private to :mod:`skills.verify`): ``jose`` (compact JWS/JWT and JWKs on
joserfc) and ``dids`` (did:key, did:jwk, did:web, multikeys, verification methods and
whether a key belongs to an issuer: the key-binding policy, which is ours)."""
