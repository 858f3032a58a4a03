#!/usr/bin/env python3
"""Write the seed corpora fuzz/corpus/<target>/ (see README.md).

Deterministic: tokens are signed with Approov's dummy secret by Python's
hmac module (independently of approov_token.c), with fixed exp/nbf values
around the fuzzers' fixed now, 1700000000.  Only the named seeds below are
written; files added by `make merge` are left alone.

    python3 fuzz/mkcorpus.py
"""
import base64
import hashlib
import hmac
import json
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
SECRET_B64 = ("h+CX0tOzdAAR9l15bWAqvq7w9olk66daIH+Xk+IAHhVVHszjDzeGobzNnqyRze3"
              "lw/WVyWrc2gZfh3XXfBOmww==")
SECRET = base64.b64decode(SECRET_B64)
NOW = 1700000000
LATER = 2000000000          # 2033: valid for the fuzzers
MAX_TOKEN = 8192

# RFC 7515 appendix A.1: the example JWS, its JSON texts (with CRLF) and key.
RFC_A1_TOKEN = (b"eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
                b".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
                b"cGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
                b".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
RFC_A1_HEADER = b'{"typ":"JWT",\r\n "alg":"HS256"}'
RFC_A1_PAYLOAD = (b'{"iss":"joe",\r\n "exp":1300819380,\r\n'
                  b' "http://example.com/is_root":true}')

H = b'{"alg":"HS256","typ":"JWT"}'
H_MIN = b'{"alg":"HS256"}'


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def sign(header, payload, key=SECRET):
    signing_input = b64url(header) + b"." + b64url(payload)
    mac = hmac.new(key, signing_input, hashlib.sha256).digest()
    return signing_input + b"." + b64url(mac)


def sign_alg(header, payload, alg):
    """Sign with the key fuzz_keyset.c gives this alg (keys/ for public-key
    algorithms, through the openssl command)."""
    signing_input = b64url(header) + b"." + b64url(payload)
    digest = {"256": "sha256", "384": "sha384", "512": "sha512"}.get(alg[-3:])
    if alg.startswith("HS"):
        mac = hmac.new(SECRET, signing_input, digest).digest()
        return signing_input + b"." + b64url(mac)
    keys = os.path.join(HERE, "keys")
    if alg == "EdDSA":
        cmd = ["openssl", "pkeyutl", "-sign", "-rawin",
               "-inkey", os.path.join(keys, "ed25519.pem")]
    else:
        key = "es256.pem" if alg.startswith("ES") else "rsa2048.pem"
        cmd = ["openssl", "dgst", "-" + digest, "-sign",
               os.path.join(keys, key)]
        if alg.startswith("PS"):
            cmd += ["-sigopt", "rsa_padding_mode:pss",
                    "-sigopt", "rsa_pss_saltlen:digest"]
    # pkeyutl -rawin wants a file; dgst reads stdin.
    tmp = os.path.join(HERE, ".signing-input")
    with open(tmp, "wb") as f:
        f.write(signing_input)
    if alg == "EdDSA":
        sig = subprocess.run(cmd + ["-in", tmp], check=True,
                             capture_output=True).stdout
    else:
        sig = subprocess.run(cmd + [tmp], check=True,
                             capture_output=True).stdout
    os.unlink(tmp)
    if alg.startswith("ES"):
        sig = der_to_raw(sig, 32)
    return signing_input + b"." + b64url(sig)


def der_to_raw(der, size):
    """ECDSA-Sig-Value (DER) to JOSE r||s."""
    assert der[0] == 0x30
    i = 2
    out = b""
    for _ in range(2):
        assert der[i] == 0x02
        n = der[i + 1]
        v = der[i + 2:i + 2 + n].lstrip(b"\0")
        out += v.rjust(size, b"\0")
        i += 2 + n
    return out


def write_once(target, name, data):
    """For randomised signatures (ECDSA, PSS): keep the committed bytes."""
    if not os.path.exists(os.path.join(HERE, "corpus", target, name)):
        write(target, name, data)


def pay(*values):
    return base64.b64encode(hashlib.sha256(b"".join(values)).digest())


def approov_payload(exp=LATER, extra=b""):
    # A typical Approov token: device id, IP, exp, annotation, pay.
    return (b'{"exp":%d,"ip":"203.0.113.7","did":"ExampleApproovTokenDID=="'
            b',"arc":"RUFLUFNBSkxRUkpGTkRHTg=="' % exp
            + b',"pay":"' + pay(b"Bearer authorizationtoken") + b'"'
            + extra + b"}")


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def nested(depth):
    return b'{"a":' * (depth - 1) + b'{}' + b'}' * (depth - 1)


def many_members(n, dup=False):
    names = ["m%02d" % i for i in range(n)]
    if dup:
        names[-1] = names[0]
    return ("{" + ",".join('"%s":%d' % (m, i) for i, m in enumerate(names))
            + "}").encode()


def max_length_token():
    """A valid token of exactly MAX_TOKEN bytes (header padding tuned)."""
    for filler in range(5900, 6200):
        for spaces in range(3):
            header = b'{"alg":"HS256"' + b" " * spaces + b"}"
            payload = b'{"exp":%d,"f":"%s"}' % (LATER, b"x" * filler)
            t = sign(header, payload)
            if len(t) == MAX_TOKEN:
                return t, header, payload
    raise SystemExit("no filler gives a token of exactly %d bytes" % MAX_TOKEN)


# JSON texts, shared by the json and claims corpora: (name, header, payload).
PAYLOADS = [
    ("min", b'{"exp":%d}' % LATER),
    ("approov", approov_payload()),
    ("nbf-past", b'{"exp":%d,"nbf":%d}' % (LATER, NOW - 10)),
    ("nbf-future", b'{"exp":%d,"nbf":%d}' % (LATER, NOW + 10)),
    ("exp-now", b'{"exp":%d}' % NOW),
    ("exp-past", b'{"exp":%d}' % (NOW - 30)),
    ("exp-fraction", b'{"exp":%d.5}' % NOW),
    ("exp-exponent", b'{"exp":2e9}'),
    ("exp-string", b'{"exp":"%d"}' % LATER),
    ("exp-null", b'{"exp":null}'),
    ("exp-missing", b'{"iss":"approov"}'),
    ("exp-huge", b'{"exp":1e300}'),
    ("exp-inf", b'{"exp":1e400}'),
    ("exp-2p63", b'{"exp":9223372036854775808}'),
    ("exp-negative", b'{"exp":-1}'),
    ("exp-minus-zero", b'{"exp":-0}'),
    ("exp-long-number", b'{"exp":2000000000.' + b"0" * 70 + b'}'),
    ("exp-escaped-name", b'{"\\u0065xp":%d}' % LATER),
    ("exp-dup", b'{"exp":%d,"exp":%d}' % (LATER, LATER)),
    ("exp-dup-escaped", b'{"exp":%d,"\\u0065xp":1}' % LATER),
    ("nested-dup", b'{"exp":%d,"a":{"b":1,"b":2}}' % LATER),
    ("array-of-objects", b'{"exp":%d,"a":[{"x":1},{"x":2}]}' % LATER),
    ("unicode", ('{"exp":%d,"s":"\u00e9\u4e2d\U0001f600",'
                 '"e":"\\ud83d\\ude00\\u00e9\\n\\t\\"\\\\\\/"}'
                 % LATER).encode()),
    ("nul-escape", b'{"exp":%d,"s":"\\u0000"}' % LATER),
    ("lone-surrogate", b'{"exp":%d,"s":"\\ud800"}' % LATER),
    ("bad-utf8", b'{"exp":%d,"s":"\xc0\x80"}' % LATER),
    ("raw-control", b'{"exp":%d,"s":"a\x01b"}' % LATER),
    ("trailing-comma", b'{"exp":%d,}' % LATER),
    ("trailing-garbage", b'{"exp":%d}x' % LATER),
    ("whitespace", b' \t\r\n{ "exp" : %d } \n' % LATER),
    ("depth-16", nested(16)[:-1] + b',"exp":%d}' % LATER),
    ("depth-17", nested(17)[:-1] + b',"exp":%d}' % LATER),
    ("members-17", many_members(17)[:-1] + b',"exp":%d}' % LATER),
    ("members-40-dup", many_members(40, dup=True)[:-1]
     + b',"exp":%d}' % LATER),
    ("pay-marker", b'{"exp":%d,"pay":"$PAY"}' % LATER),
    ("pay-number", b'{"exp":%d,"pay":1}' % LATER),
    ("not-object", b'[{"exp":%d}]' % LATER),
    ("rfc7515-a1", RFC_A1_PAYLOAD),
]

HEADERS = [
    ("typ", H),
    ("min", H_MIN),
    ("typ-kid", b'{"alg":"HS256","typ":"JWT","kid":"approov"}'),
    ("alg-none", b'{"alg":"none"}'),
    ("alg-lower", b'{"alg":"hs256"}'),
    ("alg-hs512", b'{"alg":"HS512"}'),
    ("alg-number", b'{"alg":256}'),
    ("alg-escaped", b'{"alg":"HS\\u00325\\u0036"}'),
    ("alg-dup", b'{"alg":"HS256","alg":"none"}'),
    ("crit", b'{"alg":"HS256","crit":["exp"]}'),
    ("kid", b'{"alg":"HS256","kid":"any"}'),
    ("kid-number", b'{"alg":"HS256","kid":1}'),
    ("kid-null", b'{"alg":"HS256","kid":null}'),
    ("jwk", b'{"alg":"HS256","jwk":{}}'),
    ("x5c", b'{"alg":"HS256","x5c":[]}'),
    ("x5u", b'{"alg":"HS256","x5u":""}'),
    ("alg-es256", b'{"alg":"ES256"}'),
    ("rfc7515-a1", RFC_A1_HEADER),
]


def verify_corpus():
    t = "verify"
    write(t, "valid-min", sign(H_MIN, b'{"exp":%d}' % LATER))
    write(t, "valid-approov", sign(H, approov_payload()))
    write(t, "valid-nbf", sign(H, b'{"exp":%d,"nbf":%d}' % (LATER, NOW - 1)))
    write(t, "valid-fraction", sign(H, b'{"exp":%d.25}' % NOW))
    write(t, "expired", sign(H, b'{"exp":%d}' % (NOW - 1)))
    write(t, "expired-now", sign(H, b'{"exp":%d}' % NOW))
    write(t, "not-yet-valid", sign(H, b'{"exp":%d,"nbf":%d}' % (LATER,
                                                               NOW + 60)))
    write(t, "bad-exp-string", sign(H, b'{"exp":"%d"}' % LATER))
    write(t, "bad-exp-missing", sign(H, b'{"did":"x"}'))
    write(t, "bad-nbf-string", sign(H, b'{"exp":%d,"nbf":"0"}' % LATER))
    write(t, "bad-payload-dup", sign(H, b'{"exp":%d,"exp":%d}'
                                     % (LATER, LATER)))
    write(t, "bad-payload-array", sign(H, b'[%d]' % LATER))
    write(t, "rfc7515-a1", RFC_A1_TOKEN)                      # other key
    write(t, "rfc7515-a1-resigned", sign(RFC_A1_HEADER, RFC_A1_PAYLOAD))
    write(t, "alg-none", b64url(b'{"alg":"none"}') + b"."
          + b64url(b'{"exp":%d}' % LATER) + b".")
    write(t, "alg-none-sig", sign(b'{"alg":"none"}', b'{"exp":%d}' % LATER))
    write(t, "alg-hs512", sign(b'{"alg":"HS512"}', b'{"exp":%d}' % LATER))
    write(t, "crit", sign(b'{"alg":"HS256","crit":["x"]}',
                          b'{"exp":%d}' % LATER))
    good = sign(H, approov_payload())
    head, body, sig = good.split(b".")
    write(t, "bad-signature", head + b"." + body + b"." + b64url(b"\0" * 32))
    write(t, "short-signature", head + b"." + body + b"." + b64url(b"\0" * 31))
    write(t, "sig-padded", good + b"=")
    write(t, "sig-noncanonical", good[:-1] + bytes([good[-1] + 1]))
    write(t, "sig-std-alphabet", good.replace(b"-", b"+").replace(b"_", b"/"))
    write(t, "four-segments", good + b".e30")
    write(t, "two-segments", head + b"." + body)
    write(t, "empty-header", b"." + body + b"." + sig)
    write(t, "bearer-prefix", b"Bearer " + good)
    write(t, "trailing-space", good + b" ")
    write(t, "empty", b"")
    write(t, "dots", b"..")
    big, _, _ = max_length_token()
    write(t, "max-length", big)
    write(t, "too-long", big + b"A")

    # The key set of the second phase (fuzz_keyset.c): kids and algs.
    exp = b'{"exp":%d}' % LATER
    for kid, alg in [("hs256", "HS256"), ("hs512", "HS512"), (None, "HS384"),
                     ("es256", "ES256"), ("ed", "EdDSA"), ("rsa", "RS256"),
                     ("rsa", "RS512"), ("rsa", "PS256"), ("rsa", "PS384")]:
        header = (b'{"alg":"%s","kid":"%s"}' % (alg.encode(), kid.encode())
                  if kid else b'{"alg":"%s"}' % alg.encode())
        write_once(t, "keyset-%s-%s" % (kid or "nokid", alg),
                   sign_alg(header, exp, alg))
    es = sign_alg(b'{"alg":"ES256","kid":"es256"}', exp, "ES256")
    write_once(t, "keyset-es256-der-signature",
               es.rsplit(b".", 1)[0] + b"." + b64url(
                   b"\x30\x44\x02\x20" + b"\x11" * 32 + b"\x02\x20"
                   + b"\x22" * 32))
    write(t, "keyset-es256-zero-signature",
          sign(b'{"alg":"ES256","kid":"es256"}', exp).rsplit(b".", 1)[0]
          + b"." + b64url(b"\0" * 64))
    # Alg confusion: HS256 with the RSA public key as the HMAC secret.
    with open(os.path.join(HERE, "keys", "rsa2048.pub.pem"), "rb") as f:
        write(t, "keyset-confusion-hs256-rsa-pem",
              sign(b'{"alg":"HS256","kid":"rsa"}', exp, key=f.read()))
    write(t, "keyset-unknown-kid", sign(b'{"alg":"HS256","kid":"nope"}', exp))
    write(t, "keyset-kid-number", sign(b'{"alg":"HS256","kid":7}', exp))
    write(t, "keyset-kid-escaped", sign_alg(b'{"alg":"HS512","kid":'
                                            b'"hs\\u00351\\u0032"}', exp,
                                            "HS512"))
    write(t, "keyset-jwk", sign(b'{"alg":"HS256","jwk":{"kty":"oct"}}', exp))
    write(t, "keyset-jku", sign(b'{"alg":"HS256","jku":"https://x/"}', exp))


def claims_corpus():
    t = "claims"
    for name, payload in PAYLOADS:
        write(t, "typ-" + name, H + b"\0" + payload)
    for name, header in HEADERS:
        write(t, "header-" + name, header + b"\0" + b'{"exp":%d}' % LATER)
    write(t, "rfc7515-a1", RFC_A1_HEADER + b"\0" + RFC_A1_PAYLOAD)
    # Binding: FLAGS byte (bit 0 optional, bits 1-2 leeway), header values.
    bearer = b"Bearer authorizationtoken"
    write(t, "bind-match", H + b"\0" + approov_payload() + b"\0\x00" + bearer)
    write(t, "bind-marker", H + b"\0" + b'{"exp":%d,"pay":"$PAY"}' % LATER
          + b"\0\x00" + bearer)
    write(t, "bind-two-headers", H + b"\0" + b'{"exp":%d,"pay":"$PAY"}'
          % LATER + b"\0\x00" + bearer + b"\0" + b"device-42")
    write(t, "bind-mismatch", H + b"\0" + approov_payload() + b"\0\x00"
          + b"Bearer other")
    write(t, "bind-no-values", H + b"\0" + approov_payload()
          + b"\0\x00")
    write(t, "bind-empty-header", H + b"\0" + approov_payload()
          + b"\0\x00" + bearer + b"\0")
    write(t, "bind-no-pay", H + b"\0" + b'{"exp":%d}' % LATER + b"\0\x00"
          + bearer)
    write(t, "bind-optional-no-pay", H + b"\0" + b'{"exp":%d}' % LATER
          + b"\0\x01" + bearer)
    write(t, "bind-pay-number", H + b"\0" + b'{"exp":%d,"pay":7}' % LATER
          + b"\0\x00" + bearer)
    # ApproovIssuer (the first value) and ApproovAudience (the values).
    write(t, "iss-match", H + b"\0" + b'{"exp":%d,"iss":"acme.approov.io"}'
          % LATER + b"\0\x00acme.approov.io")
    write(t, "aud-string", H + b"\0" + b'{"exp":%d,"aud":"api"}' % LATER
          + b"\0\x00iss\0api")
    write(t, "aud-array", H + b"\0" + b'{"exp":%d,"iss":"iss","aud":["x",'
          b'"api"]}' % LATER + b"\0\x00iss\0api")
    write(t, "aud-array-mixed", H + b"\0" + b'{"exp":%d,"aud":["api",1]}'
          % LATER + b"\0\x00iss\0api")
    write(t, "aud-empty-array", H + b"\0" + b'{"exp":%d,"aud":[]}' % LATER
          + b"\0\x00iss\0api")
    write(t, "leeway-60-exp-now", H + b"\0" + b'{"exp":%d}' % NOW
          + b"\0\x04")
    write(t, "leeway-300-nbf", H + b"\0" + b'{"exp":%d,"nbf":%d}'
          % (LATER, NOW + 300) + b"\0\x06")
    write(t, "empty-payload", H + b"\0")
    write(t, "empty-header", b"\0" + b'{"exp":%d}' % LATER)
    _, header, payload = max_length_token()
    write(t, "max-length", header + b"\0" + payload)
    write(t, "too-long", header + b"\0" + payload[:-2] + b'x"}')


def json_corpus():
    t = "json"
    for name, payload in PAYLOADS:
        write(t, "payload-" + name, payload)
    for name, header in HEADERS:
        write(t, "header-" + name, header)
    write(t, "empty-object", b"{}")
    write(t, "empty", b"")
    write(t, "all-types", b'{"s":"x","n":-1.5e-3,"t":true,"f":false,'
          b'"z":null,"a":[1,[2,{}]],"o":{"p":{}}}')
    write(t, "numbers", b'{"a":[0,-0,0.0,1e5,1E+5,1e-5,123456789012345678901'
          b'234567890,-9223372036854775808]}')
    write(t, "bad-numbers", b'{"a":[01,.5,1.,+1,1e,0x10,NaN,Infinity]}')
    write(t, "long-number-63", b'{"a":1' + b"0" * 62 + b'}')
    write(t, "long-number-64", b'{"a":1' + b"0" * 63 + b'}')
    write(t, "escapes", b'{"a":"\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\uD834\\uDD1E"}')
    write(t, "bad-escapes", b'{"a":"\\x41\\u12\\uDD1E\\uD834x"}')
    write(t, "utf8-edges", b'{"a":"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf'
          b'\xee\x80\x80\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"}')
    write(t, "utf8-surrogate", b'{"a":"\xed\xa0\x80"}')
    write(t, "utf8-too-big", b'{"a":"\xf4\x90\x80\x80"}')
    write(t, "utf8-truncated", b'{"a":"\xe2\x82"}')
    write(t, "bom", b'\xef\xbb\xbf{}')
    write(t, "deep-array", b'{"a":' + b"[" * 15 + b"]" * 15 + b"}")
    write(t, "dup-after-unescape", b'{"a":1,"\\u0061":2}')
    write(t, "members-17-dup-hash", many_members(17, dup=True))
    write(t, "vertical-tab", b'{\x0b}')
    write(t, "unterminated", b'{"a":"b')


def envfile_corpus():
    t = "envfile"
    v = SECRET_B64.encode()
    url = base64.urlsafe_b64encode(SECRET).rstrip(b"=")
    write(t, "plain", b"APPROOV_BASE64_SECRET=" + v + b"\n")
    write(t, "quickstart", b"# Approov\nAPPROOV_BASE64_SECRET=" + v
          + b"\nOTHER=1\n")
    write(t, "export-double", b'export APPROOV_BASE64_SECRET="' + v + b'"\n')
    write(t, "single-comment", b"  APPROOV_BASE64_SECRET = '" + v
          + b"'  # the dummy\r\n")
    write(t, "inline-comment", b"APPROOV_BASE64_SECRET=" + url
          + b" # url-safe\n")
    write(t, "twice", b"APPROOV_BASE64_SECRET=" + v + b"\n"
          b"APPROOV_BASE64_SECRET=" + v + b"\n")
    write(t, "missing", b"OTHER=1\n# APPROOV_BASE64_SECRET=x\n")
    write(t, "prefix-name", b"APPROOV_BASE64_SECRET2=x\nXAPPROOV_BASE64_SECRET"
          b"=y\n")
    write(t, "unterminated", b'APPROOV_BASE64_SECRET="abc\n')
    write(t, "after-quote", b'APPROOV_BASE64_SECRET="abc" x\n')
    write(t, "nul", b"APPROOV_BASE64_SECRET=ab\0cd\n")
    write(t, "no-equals", b"APPROOV_BASE64_SECRET\n")
    write(t, "empty-value", b"APPROOV_BASE64_SECRET=\n")
    write(t, "empty-quoted", b"APPROOV_BASE64_SECRET=''\n")
    write(t, "no-newline", b"APPROOV_BASE64_SECRET=" + url)
    # Bare secrets (the input is also decoded as one).
    write(t, "secret-standard", v)
    write(t, "secret-unpadded", v.rstrip(b"="))
    write(t, "secret-urlsafe", url)
    write(t, "secret-urlsafe-padded", base64.urlsafe_b64encode(SECRET))
    write(t, "secret-mixed", b"ab+_")
    write(t, "secret-bad-padding", b"QUJD=")
    write(t, "secret-three-pad", b"QQ===")
    write(t, "secret-noncanonical", b"QR==")
    write(t, "secret-one-char", b"Q")
    write(t, "secret-space", b"QUJD RA==")
    write(t, "secret-1024", base64.b64encode(b"\xa5" * 1024))
    write(t, "secret-1025", base64.b64encode(b"\xa5" * 1025))
    write(t, "secret-1026", base64.b64encode(b"\xa5" * 1026))
    write(t, "secret-1027", base64.b64encode(b"\xa5" * 1027))
    write(t, "secret-zero-byte", base64.b64encode(b"\0"))


def b64url_corpus():
    t = "b64url"
    for name, data in [
            ("empty", b""), ("one", b"A"), ("two", b"AA"), ("three", b"AAA"),
            ("four", b"AAAA"), ("two-noncanonical", b"AB"),
            ("three-noncanonical", b"AAB"), ("padded", b"QQ=="),
            ("std-alphabet", b"+/+/"), ("url-alphabet", b"-_-_"),
            ("space", b"QU JD"), ("high-bytes", b"\xff\x80QQ"),
            ("secret", base64.urlsafe_b64encode(SECRET).rstrip(b"=")),
            ("jwt-header", b64url(H)),
            ("rfc7515-a1-sig", RFC_A1_TOKEN.split(b".")[2]),
            ("all-sextets", b64url(bytes(range(256)))),
    ]:
        write(t, name, data)


# ---- keys (fuzz_keys): key files as an operator supplies them ----------

# Keys made once with the openssl command and kept in keys/ (new ones would
# change every seed): name -> genpkey arguments.  The private half is kept
# only for the keys fuzz_keys.c holds a signature of (SIGNING_KEYS).
KEYGEN = {
    "es384": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
    "es521": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"],
    "rsa3072": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"],
    "rsa1024": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
    "rsapss2048": ["-algorithm", "RSA-PSS", "-pkeyopt",
                   "rsa_keygen_bits:2048"],
    "secp256k1": ["-algorithm", "EC", "-pkeyopt",
                  "ec_paramgen_curve:secp256k1"],
    "sm2": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2"],
    "ed448": ["-algorithm", "ED448"],
    "x25519": ["-algorithm", "X25519"],
}
SIGNING_KEYS = ("es384", "es521")

OID_RSA = bytes.fromhex("2a864886f70d010101")
OID_EC = bytes.fromhex("2a8648ce3d0201")
OID_ED25519 = bytes.fromhex("2b6570")
CURVES = {bytes.fromhex("2a8648ce3d030107"): "P-256",
          bytes.fromhex("2b81040022"): "P-384",
          bytes.fromhex("2b81040023"): "P-521",
          bytes.fromhex("2b8104000a"): "secp256k1"}


P256_P = 2**256 - 2**224 + 2**192 + 2**96 - 1
P256_G = bytes.fromhex(
    "04"
    "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
    "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")


def p256_double(point):
    """2P for an uncompressed P-256 point (a = -3), affine."""
    x, y = int.from_bytes(point[1:33], "big"), int.from_bytes(point[33:], "big")
    slope = (3 * x * x - 3) * pow(2 * y, -1, P256_P) % P256_P
    x2 = (slope * slope - 2 * x) % P256_P
    y2 = (slope * (x - x2) - y) % P256_P
    return b"\x04" + x2.to_bytes(32, "big") + y2.to_bytes(32, "big")


def key_path(name, public=True):
    return os.path.join(HERE, "keys", name + (".pub.pem" if public
                                              else ".pem"))


def public_pem(name):
    """keys/<name>.pub.pem, made (once) if missing."""
    if not os.path.exists(key_path(name)):
        private = subprocess.run(["openssl", "genpkey"] + KEYGEN[name],
                                 check=True, capture_output=True).stdout
        if name in SIGNING_KEYS:
            with open(key_path(name, public=False), "wb") as f:
                f.write(private)
        public = subprocess.run(["openssl", "pkey", "-pubout"],
                                input=private, check=True,
                                capture_output=True).stdout
        with open(key_path(name), "wb") as f:
            f.write(public)
    with open(key_path(name), "rb") as f:
        return f.read()


def pem_der(pem):
    return base64.b64decode(b"".join(
        line for line in pem.splitlines() if not line.startswith(b"-----")))


def der_pem(der):
    text = base64.b64encode(der)
    return (b"-----BEGIN PUBLIC KEY-----\n"
            + b"".join(text[i:i + 64] + b"\n" for i in range(0, len(text), 64))
            + b"-----END PUBLIC KEY-----\n")


def der_items(data):
    """The (tag, value) TLVs of a DER string, in order."""
    items, i = [], 0
    while i < len(data):
        tag, n = data[i], data[i + 1]
        i += 2
        if n & 0x80:
            n, i = int.from_bytes(data[i:i + (n & 0x7f)], "big"), i + (n & 0x7f)
        items.append((tag, data[i:i + n]))
        i += n
    return items


def der(tag, body):
    """One DER TLV."""
    n = len(body)
    head = (bytes([n]) if n < 0x80 else bytes([0x80 | (n.bit_length() + 7)
                                                // 8])
            + n.to_bytes((n.bit_length() + 7) // 8, "big"))
    return bytes([tag]) + head + body


def rsa_pem(name, e):
    """keys/<name>'s RSA modulus with public exponent e, as a PEM."""
    n = base64.urlsafe_b64decode(jwk(name)["n"] + "==")
    integer = lambda v: der(0x02, b"\0" + v if v[0] & 0x80 else v)
    return der_pem(der(0x30, der(0x30, der(0x06, OID_RSA) + b"\x05\0")
                       + der(0x03, b"\0" + der(0x30, integer(n) + integer(
                           e.to_bytes(max(1, (e.bit_length() + 7) // 8),
                                      "big"))))))


def jwk(name, **members):
    """The JWK of keys/<name>.pub.pem (SubjectPublicKeyInfo, read here),
    then members: a value of None removes that member."""
    (_, spki), = der_items(pem_der(public_pem(name)))
    (_, algid), (_, bits) = der_items(spki)
    algid, pub = der_items(algid), bits[1:]
    if algid[0][1] == OID_RSA:
        n, e = (v.lstrip(b"\0") for _, v in der_items(der_items(pub)[0][1]))
        key = {"kty": "RSA", "n": b64url(n).decode(), "e": b64url(e).decode()}
    elif algid[0][1] == OID_EC:
        size = (len(pub) - 1) // 2
        key = {"kty": "EC", "crv": CURVES[algid[1][1]],
               "x": b64url(pub[1:1 + size]).decode(),
               "y": b64url(pub[1 + size:]).decode()}
    else:
        assert algid[0][1] == OID_ED25519, name
        key = {"kty": "OKP", "crv": "Ed25519", "x": b64url(pub).decode()}
    key.update(members)
    return {k: v for k, v in key.items() if v is not None}


def jwks(*keys, **members):
    return json.dumps(dict({"keys": list(keys)}, **members),
                      separators=(",", ":")).encode()


def b64url_str(data):
    return b64url(data).decode()


def coordinate(name, member):
    """A base64url member of keys/<name>'s JWK, decoded."""
    text = jwk(name)[member]
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# 32-byte oct keys (RFC 7518 3.2's least for HS256), base64url, for seeds
# about the JSON around a key.
K32 = b64url(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef")
K32B = b64url(b"BCDEFGHIJKLMNOPQRSTUVWXYZabcdefg")


def keys_corpus():
    t = "keys"
    for name in ["es384", "es521", "rsa3072", "rsa1024", "rsapss2048",
                 "secp256k1", "sm2", "ed448", "x25519"]:
        write(t, "pem-" + name, public_pem(name))
    for name in ["es256", "ed25519", "rsa2048"]:
        write(t, "pem-" + name, public_pem(name))
    rsa = public_pem("rsa2048")
    es256 = public_pem("es256")
    write(t, "pem-truncated", rsa[:len(rsa) // 2])
    write(t, "pem-no-end", rsa[:rsa.index(b"-----END")])
    write(t, "pem-trailing-junk", es256 + b"junk\x00\xff-----END\n")
    write(t, "pem-leading-text", b"# Approov RS256 key X\n" + rsa)
    write(t, "pem-crlf", es256.replace(b"\n", b"\r\n"))
    write(t, "pem-no-newlines", es256.replace(b"\n", b""))
    write(t, "pem-bad-base64", es256.replace(b"MFkw", b"MF*w"))
    write(t, "pem-two-keys", public_pem("rsa1024") + es256)
    write(t, "pem-empty", b"")
    write(t, "pem-der", pem_der(es256))
    write(t, "pem-rsa-public-key", subprocess.run(
        ["openssl", "rsa", "-pubin", "-RSAPublicKey_out"], input=rsa,
        check=True, capture_output=True).stdout)
    write(t, "pem-private-key", open(key_path("es256", public=False),
                                     "rb").read())
    for form, args in [("explicit", ["-param_enc", "explicit"]),
                       ("compressed", ["-conv_form", "compressed"])]:
        write(t, "pem-es256-" + form, subprocess.run(
            ["openssl", "ec", "-pubin", "-pubout"] + args, input=es256,
            check=True, capture_output=True).stdout)
    # Explicit P-256 parameters with 2G as generator: a curve OpenSSL
    # names none of its own.
    explicit = pem_der(open(os.path.join(HERE, "corpus", t,
                                         "pem-es256-explicit"), "rb").read())
    write(t, "pem-es256-explicit-unnamed", der_pem(explicit.replace(
        P256_G, p256_double(P256_G))))
    off = bytearray(pem_der(es256))
    off[-1] ^= 1                                    # y + 1: off the curve
    write(t, "pem-es256-off-curve", der_pem(bytes(off)))
    short = bytearray(pem_der(public_pem("ed25519")))
    short[1] -= 1
    short[10] -= 1                                  # 31-byte Ed25519 key
    write(t, "pem-ed25519-short", der_pem(bytes(short[:-1])))
    for e in (1, 3, 65536):
        write(t, "pem-rsa-e-%d" % e, rsa_pem("rsa2048", e))

    # JWK Sets.  The public keys of keys/, converted here from their DER.
    write(t, "jwks-every-kind", jwks(
        jwk("rsa2048", kid="rsa", use="sig"),
        jwk("rsa2048", kid="rsa-rs512", alg="RS512"),
        jwk("rsa2048", kid="rsa-ps384", alg="PS384"),
        jwk("es256", kid="es256", alg="ES256"),
        jwk("es384", kid="es384"),
        jwk("es521", kid="es521", alg="ES512", use="sig"),
        jwk("ed25519", kid="ed", alg="EdDSA"),
        {"kty": "oct", "kid": "hs256", "k": b64url_str(SECRET)},
        {"kty": "oct", "kid": "hs384", "alg": "HS384",
         "k": b64url_str(SECRET)},
        {"kty": "oct", "alg": "HS512", "use": "sig",
         "k": b64url_str(SECRET)}))
    write(t, "jwks-approov-rs256", jwks(jwk("rsa2048", alg="RS256",
                                            use="sig", kid="X")))
    write(t, "jwks-rsa3072", jwks(jwk("rsa3072", kid="big")))
    write(t, "jwks-rsa1024", jwks(jwk("rsa1024", kid="weak")))
    write(t, "jwks-rsa1024-after-good", jwks(jwk("es256"),
                                            jwk("rsa1024", kid="weak")))
    write(t, "jwks-oct-dummy", jwks({"kty": "oct", "k": b64url_str(SECRET)}))
    write(t, "jwks-oct-1024", jwks({"kty": "oct", "k": b64url_str(
        b"\xa5" * 1024)}))
    write(t, "jwks-oct-1025", jwks({"kty": "oct", "k": b64url_str(
        b"\xa5" * 1025)}))
    write(t, "jwks-oct-one-byte", jwks({"kty": "oct", "k": "AA"}))
    # ApproovJWKSURI refuses two keys of one kid, or two without one.
    write(t, "jwks-duplicate-kid", jwks(
        {"kty": "oct", "kid": "a", "k": b64url_str(SECRET)},
        {"kty": "oct", "kid": "a", "k": b64url_str(b"\x5a" * 32)}))
    write(t, "jwks-two-without-kid", jwks(
        {"kty": "oct", "k": b64url_str(SECRET)},
        {"kty": "oct", "k": b64url_str(b"\x5a" * 32)}))
    # RFC 7518 3.2: at least the hash output, 32, 48, 64 bytes; without
    # alg, the HS algorithms the length allows.
    for n in (31, 32, 47, 48, 63, 64):
        write(t, "jwks-oct-%d" % n, jwks({"kty": "oct", "kid": "k%d" % n,
                                          "k": b64url_str(b"\x5a" * n)}))
    for alg, n in (("HS256", 31), ("HS256", 32), ("HS384", 47),
                   ("HS384", 48), ("HS512", 63), ("HS512", 64)):
        write(t, "jwks-oct-%s-%d" % (alg.lower(), n), jwks(
            {"kty": "oct", "alg": alg, "k": b64url_str(b"\x5a" * n)}))
    write(t, "jwks-oct-empty-k", jwks({"kty": "oct", "k": ""}))
    write(t, "jwks-oct-padded-k", jwks({"kty": "oct", "k": "QQ=="}))
    write(t, "jwks-oct-noncanonical-k", jwks({"kty": "oct", "k": "QR"}))
    write(t, "jwks-oct-std-alphabet-k", jwks({"kty": "oct", "k": "+/+/"}))
    write(t, "jwks-oct-alg-rs256", jwks(
        {"kty": "oct", "alg": "RS256", "k": K32.decode()}, jwk("es256")))
    # alg: variations, unknown names, mismatches (skipped), wrong types.
    for name, key in [
            ("alg-es384-on-p256", jwk("es256", alg="ES384")),
            ("alg-hs256-on-rsa", jwk("rsa2048", alg="HS256")),
            ("alg-eddsa-on-p256", jwk("es256", alg="EdDSA")),
            ("alg-es256-on-ed25519", jwk("ed25519", alg="ES256")),
            ("alg-unknown", jwk("rsa2048", alg="RS1")),
            ("alg-none", jwk("es256", alg="none")),
            ("alg-lowercase", jwk("es256", alg="es256")),
            ("alg-number", jwk("es256", alg=256)),
            ("alg-null", jwk("es256") | {"alg": None}),
            ("use-enc", jwk("es256", use="enc")),
            ("use-number", jwk("es256", use=1)),
            ("use-null", jwk("es256") | {"use": None}),
            ("use-array", jwk("es256", use=["sig"])),
            ("use-uppercase", jwk("es256", use="SIG")),
            ("kid-number", jwk("es256", kid=7)),
            ("kid-null", jwk("es256") | {"kid": None}),
            ("kid-empty", jwk("es256", kid="")),
            ("kty-missing", jwk("es256", kty=None)),
            ("kty-lowercase", jwk("rsa2048", kty="rsa")),
            ("kty-unknown", {"kty": "DSA", "y": "AQAB"}),
            ("kty-number", jwk("es256", kty=2)),
            ("rsa-n-missing", jwk("rsa2048", n=None)),
            ("rsa-e-missing", jwk("rsa2048", e=None)),
            ("rsa-e-padded", jwk("rsa2048", e="AQAB==")),
            ("rsa-e-zero", jwk("rsa2048", e="AA")),
            ("rsa-e-one", jwk("rsa2048", e="AQ")),
            ("rsa-e-one-leading-zero", jwk("rsa2048", e="AAE")),
            ("rsa-e-two", jwk("rsa2048", e="Ag")),
            ("rsa-e-three", jwk("rsa2048", e="Aw")),
            ("rsa-n-leading-zero", jwk("rsa2048", n="AA" + jwk(
                "rsa2048")["n"])),
            ("rsa-n-2047-bits", jwk("rsa2048", n=b64url_str(
                b"\x7f" + b"\xff" * 255))),
            ("rsa-n-not-string", jwk("rsa2048", n=12345)),
            ("ec-crv-missing", jwk("es256", crv=None)),
            ("ec-crv-secp256k1", jwk("secp256k1")),
            ("ec-crv-number", jwk("es256", crv=256)),
            ("ec-x-missing", jwk("es256", x=None)),
            ("ec-y-missing", jwk("es384", y=None)),
            ("ec-x-short", jwk("es256", x=jwk("es256")["x"][:-2])),
            ("ec-y-long", jwk("es256", y="AA" + jwk("es256")["y"])),
            ("ec-p521-65-bytes", jwk("es521", x=b64url_str(
                coordinate("es521", "x")[1:]))),
            ("ec-off-curve", jwk("es256", y=b64url_str(
                coordinate("es256", "y")[:-1]
                + bytes([coordinate("es256", "y")[-1] ^ 1])))),
            ("ec-x-ge-p", jwk("es256", x=b64url_str(b"\xff" * 32))),
            ("ec-zero-point", jwk("es256", x=b64url_str(b"\0" * 32),
                                  y=b64url_str(b"\0" * 32))),
            ("ec-p384-coords-on-p256", jwk("es384", crv="P-256")),
            ("ec-bad-base64", jwk("es256", x="+" + jwk("es256")["x"][1:])),
            ("okp-ed448", {"kty": "OKP", "crv": "Ed448", "x": b64url_str(
                pem_der(public_pem("ed448"))[-57:])}),
            ("okp-x25519", {"kty": "OKP", "crv": "X25519", "x": b64url_str(
                pem_der(public_pem("x25519"))[-32:])}),
            ("okp-crv-missing", jwk("ed25519", crv=None)),
            ("okp-x-short", jwk("ed25519", x=jwk("ed25519")["x"][:-3])),
            ("okp-x-missing", jwk("ed25519", x=None)),
            ("not-an-object", "RSA"),
            ("array", [jwk("es256")]),
    ]:
        write(t, "jwks-" + name, jwks(key))
        write(t, "jwks-" + name + "-and-good", jwks(key, jwk("ed25519",
                                                            kid="good")))
    write(t, "jwks-kid-duplicate", jwks(jwk("es256", kid="a"),
                                        jwk("ed25519", kid="a")))
    write(t, "jwks-no-kid-twice", jwks(jwk("es256"), jwk("ed25519")))
    write(t, "jwks-only-skipped", jwks(jwk("es256", use="enc"),
                                       jwk("secp256k1")))
    write(t, "jwks-empty-keys", jwks())
    write(t, "jwks-extra-members", jwks(jwk("es256", x5c=["MIIB"],
                                            key_ops=["verify"], d="AA"),
                                        other={"keys": 1}))
    write(t, "jwks-keys-object",
          b'{"keys":{"kty":"oct","k":"' + K32 + b'"}}')
    write(t, "jwks-keys-missing", json.dumps(jwk("es256")).encode())
    write(t, "jwks-keys-escaped",
          b'{"\\u006beys":[{"kty":"oct","k":"' + K32 + b'"}]}')
    write(t, "jwks-keys-twice",
          b'{"keys":[],"keys":[{"kty":"oct","k":"' + K32 + b'"}]}')
    write(t, "jwks-member-twice", b'{"keys":[{"kty":"oct","k":"' + K32
          + b'","k":"' + K32B + b'"}]}')
    write(t, "jwks-trailing-junk", jwks(jwk("es256")) + b"x")
    write(t, "jwks-not-object", b'[{"kty":"oct","k":"' + K32 + b'"}]')
    write(t, "jwks-empty-object", b"{}")
    write(t, "jwks-deep", b'{"keys":[{"kty":"oct","k":"' + K32 + b'","x":'
          + b"[" * 13 + b"]" * 13 + b"}]}")
    write(t, "jwks-too-deep", b'{"keys":[{"kty":"oct","k":"' + K32
          + b'","x":'
          + b"[" * 14 + b"]" * 14 + b"}]}")


# ---- structured fields (fuzz_sfv): field values, raw -------------------

SFV_MAX_INPUT = 8192


def sfv_corpus():
    t = "sfv"
    for name, data in [
            # RFC 8941 examples (sections 3.1-3.3).
            ("rfc-list-tokens", b"sugar, tea, rum"),
            ("rfc-list-lines", b"sugar, tea,\trum"),
            ("rfc-inner-lists", b'("foo" "bar"), ("baz"), ("bat" "one"), ()'),
            ("rfc-inner-params",
             b'("foo"; a=1;b=2);lvl=5, ("bar" "baz");lvl=1'),
            ("rfc-list-params",
             b"abc;a=1;b=2; cde_456, (ghi;jk=4 l);q=\"9\";r=w"),
            ("rfc-dict", b'en="Applepie", da=:w4ZibGV0w6ZydGUK:'),
            ("rfc-dict-bools", b"a=?0, b, c; foo=bar"),
            ("rfc-dict-inner", b"rating=1.5, feelings=(joy sadness)"),
            ("rfc-dict-mixed", b"a=(1 2), b=3, c=4;aa=bb, d=(5 6);valid"),
            ("rfc-item-params", b"5; foo=bar"),
            ("rfc-decimal", b"4.5"),
            ("rfc-string", b'"hello world"'),
            ("rfc-token", b"foo123/456"),
            ("rfc-bytes", b":cHJldGVuZCB0aGlzIGlzIGJpbmFyeSBjb250ZW50Lg==:"),
            ("rfc-boolean", b"?1"),
            # Message-signature fields, as the SDKs send them.
            ("signature-input", b'install=("@method" "@target-uri" '
             b'"approov-token" "content-digest");created=1700000000;'
             b'alg="ecdsa-p256-sha256";keyid="k";nonce="n";tag="t"'),
            ("signature-bytes", b"install=:" + b"A" * 86 + b"==:"),
            ("signature-string", b'install="' + b"A" * 86 + b'=="'),
            ("content-digest",
             b"sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, "
             b"sha-512=:AA==:"),
            ("query-param-id", b'"@query-param";name="a%20b"'),
            # Numbers at and over their limits, decimals to round.
            ("integer-max", b"999999999999999, -999999999999999"),
            ("integer-over", b"1000000000000000"),
            ("decimal-max", b"999999999999.999, -999999999999.999"),
            ("decimal-over", b"1000000000000.0"),
            ("decimal-frac4", b"1.2345"),
            ("decimal-dot-end", b"1."),
            ("decimal-zeros", b"-0.0, 0.100, 00012.500"),
            ("integer-zeros", b"-0, 0042"),
            # Strings and tokens.
            ("string-escapes", b'"a\\"b\\\\c"'),
            ("string-bad-escape", b'"a\\x"'),
            ("string-control", b'"a\tb"'),
            ("string-unterminated", b'"abc'),
            ("string-high-byte", b'"\xc3\xa9"'),
            ("token-chars", b"*a!#$%&'*+-.^_`|~:/9"),
            ("token-bad-start", b"9abc"),
            # Byte Sequences: padded, unpadded, pad bits, bad padding.
            ("bytes-empty", b"::"),
            ("bytes-padded", b":YQ==:, :YWI=:, :YWJj:"),
            ("bytes-unpadded", b":YQ:, :YWI:"),
            ("bytes-pad-bits", b":YR==:, :YWJ=:"),
            ("bytes-bad-pad", b":YQ=:"),
            ("bytes-three-pad", b":Y===:"),
            ("bytes-one-char", b":Y:"),
            ("bytes-urlsafe", b":-_8=:"),
            ("bytes-inner-pad", b":YQ==YQ==:"),
            ("bytes-unterminated", b":YQ=="),
            # Booleans.
            ("booleans", b"?0, ?1, a;b=?0;c=?1"),
            ("boolean-bad", b"?2"),
            # Whitespace: SP around, OWS only beside commas.
            ("sp-around", b"   a=1, b=2   "),
            ("tab-after-comma", b"a,\tb"),
            ("tab-before-comma", b"a\t,b"),
            ("tab-leading", b"\ta"),
            ("tab-trailing", b"a\t"),
            ("sp-in-params", b"a; b=1;  c"),
            ("sp-before-semicolon", b"a ;b"),
            ("sp-inner-list", b"(  a   b  )"),
            ("trailing-comma", b"a, b,"),
            ("empty-member", b"a,,b"),
            ("empty", b""),
            ("spaces-only", b"   "),
            # Keys.
            ("keys", b"*=1, a_b-c.d*9=2, z"),
            ("key-upper", b"A=1"),
            ("key-dict-no-value-params", b"a;x=1;y, b=?1;z"),
            # Repeats: dictionary keys and parameters.
            ("dict-repeats", b"c=(1 2), b, c=3, a=4, b=5, c, a"),
            ("params-repeats", b"1;z;y=1;z=2;x;y=3;z=4"),
            ("inner-params-repeats", b"(a;k=1;k=2 b);p;p=?0"),
            # Nesting that is not allowed.
            ("inner-nested", b"((a))"),
            ("inner-unterminated", b"(a b"),
            ("inner-no-space", b'("a""b")'),
            ("non-ascii", b"a=\xff"),
    ]:
        write(t, name, data)
    # Base64 text alone, for approov_sfv_b64_decode().
    for name, data in [("padded", b"YWJjZA=="), ("unpadded", b"YWJjZA"),
                       ("pad-bits", b"YR=="), ("pad-bits-unpadded", b"YWJ"),
                       ("bad-pad", b"YQ="), ("one-char", b"YWJjZ"),
                       ("equals-inside", b"YQ==YQ=="), ("url", b"-_8=")]:
        write(t, "b64-" + name, data)
    # At and over the bounds: RFC 8941's minimums, and the input cap.
    list_1024 = b", ".join(b"%d" % i for i in range(1024))
    write(t, "list-1024", list_1024)
    write(t, "list-1025", list_1024 + b", 1024")
    dict_1024 = b",".join(b"k%d" % i for i in range(1024))
    write(t, "dict-1024", dict_1024)
    write(t, "dict-1025", dict_1024 + b",k1024")
    write(t, "dict-1024-repeats", b",".join(b"a=%d" % (i % 7) for i in
                                              range(1024)))
    inner = b"(" + b" ".join(b"%d" % i for i in range(256)) + b")"
    write(t, "inner-256", inner)
    write(t, "inner-257", inner[:-1] + b" 256)")
    params = b"".join(b";p%d" % i for i in range(256))
    write(t, "params-256", b"a" + params)
    write(t, "params-257", b"a" + params + b";p0")
    write(t, "inner-list-params-256", b"(a)" + params)
    write(t, "all-minimums", b"a=" + inner + params + b"".join(
        b",%c%d" % (ord("a") + i % 26, i) for i in range(1, 1024)))
    string_max = b'"' + b"x" * (SFV_MAX_INPUT - 2) + b'"'
    write(t, "input-8192", string_max)
    write(t, "input-8193", string_max[:-1] + b'x"')
    write(t, "bytes-grow-over-cap", b":" + b"QUJD" * 2047 + b"QQ:")


# ---- message signatures (fuzz_msgsig) ---------------------------------

# F0: ipk = the signing key, default token header, max age 300 s, skew
# 60 s, https (see fuzz_msgsig.c).
MS_F0 = 0x10 | 0x40
MS_TOKEN = b"eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjIwMDAwMDAwMDB9.sig"
MS_COVERED = b'"@method" "@target-uri" "approov-token" "content-digest"'
MS_PARAMS = b';created=%d;alg="ecdsa-p256-sha256";keyid="k"' % NOW


def ms_input(si=b"install=(" + MS_COVERED + b")" + MS_PARAMS,
             sig=b"install=:$SIG:", cd=b"sha-256=:$D256:",
             body=b'{"hello": "world"}', method=b"POST",
             authority=b"api.example.com", target=b"/v1/shapes?x=1&y=%20",
             headers=b"approov-token:" + MS_TOKEN
             + b"\ncontent-type:application/json", f0=MS_F0, f1=0):
    return (bytes([f0, f1]) + b"\0".join([si, sig, cd, body, method,
                                          authority, target]) + b"\0"
            + headers)


def ms_si(covered=MS_COVERED, params=MS_PARAMS, before=b"", after=b""):
    return before + b"install=(" + covered + b")" + params + after


def msgsig_corpus():
    t = "msgsig"
    base = b'"@method" "@target-uri" "approov-token"'
    for name, data in [
            ("valid", ms_input()),
            ("valid-string-signature", ms_input(sig=b'install="$SIG"')),
            ("valid-path", ms_input(si=ms_si(
                b'"@method" "@path" "approov-token"'))),
            ("valid-all-derived", ms_input(si=ms_si(
                base + b' "@authority" "@scheme" "@request-target" "@path"'
                b' "@query" "@query-param";name="x" "content-type"'))),
            ("valid-query-param-encoded", ms_input(
                target=b"/a?na%6De=v+1%2B&x=%FF%C3%A9&e=%E0%80&t=%E2%82",
                si=ms_si(base + b' "@query-param";name="name"'
                         b' "@query-param";name="x" "@query-param";name="e"'
                         b' "@query-param";name="t"'))),
            ("valid-token-header", ms_input(
                f0=MS_F0 | 4, si=ms_si(b'"@method" "@path" "x-approov-token"'),
                headers=b"X-Approov-Token: " + MS_TOKEN)),
            ("valid-other-members", ms_input(
                si=ms_si(before=b'sig1=("@method");created=1, ',
                         after=b', sig2=:AAAA:'),
                sig=b"sig1=:AAAA:, install=:$SIG:, sig2=?0")),
            ("valid-all-params", ms_input(si=ms_si(
                params=MS_PARAMS + b';expires=%d;nonce="n";tag="app";x=tok;'
                b'y=?0;z' % (NOW + 60)))),
            ("valid-empty-path", ms_input(target=b"", si=ms_si(base))),
            ("valid-explicit-target-uri", ms_input(f1=4, si=ms_si(base))),
            ("valid-http-default-port", ms_input(
                f0=MS_F0 | 0x80, authority=b"API.Example.COM:80",
                si=ms_si(base + b' "@authority" "@scheme"'))),
            ("valid-ipv6-port", ms_input(authority=b"[::1]:443",
                                         si=ms_si(base + b' "@authority"'))),
            ("valid-empty-port", ms_input(authority=b"host:",
                                          si=ms_si(base + b' "@authority"'))),
            ("valid-created-now-plus-skew", ms_input(si=ms_si(
                base, b";created=%d" % (NOW + 60)))),
            ("valid-max-age", ms_input(si=ms_si(base, b";created=%d"
                                                % (NOW - 300)))),
            ("fields-combined", ms_input(
                si=ms_si(base + b' "x-multi"'),
                headers=b"approov-token:" + MS_TOKEN
                + b"\nX-Multi: a \nx-multi:\tb\nX-MULTI:c")),
            ("field-empty-line", ms_input(
                si=ms_si(base + b' "x-multi"'),
                headers=b"approov-token:" + MS_TOKEN
                + b"\nx-multi:a\nx-multi:")),
            ("field-empty-line-merged", ms_input(
                f1=16, si=ms_si(base + b' "x-multi"'),
                headers=b"approov-token:" + MS_TOKEN
                + b"\nx-multi:a\nx-multi:\nx-multi:")),
            ("fields-combined-merged", ms_input(
                f1=16, si=ms_si(base + b' "x-multi"'),
                headers=b"approov-token:" + MS_TOKEN
                + b"\nX-Multi: a \nx-multi:\tb\nX-MULTI:c")),
            ("field-empty-first", ms_input(
                si=ms_si(base + b' "x-multi"'),
                headers=b"approov-token:" + MS_TOKEN
                + b"\nx-multi: \nx-multi:a")),
            ("field-control", ms_input(
                si=ms_si(base + b' "x-bad"'),
                headers=b"approov-token:" + MS_TOKEN + b"\nx-bad:a\rb")),
            ("field-tab", ms_input(
                si=ms_si(base + b' "x-tab"'),
                headers=b"approov-token:" + MS_TOKEN + b"\nx-tab:a\tb")),
            ("field-high-byte", ms_input(
                si=ms_si(base + b' "x-bad"'),
                headers=b"approov-token:" + MS_TOKEN + b"\nx-bad:\xc3\xa9")),
            ("field-absent", ms_input(si=ms_si(base + b' "x-none"'))),
            ("method-non-ascii", ms_input(method=b"P\xc3\xb6ST",
                                          si=ms_si(base))),
            ("method-tab", ms_input(method=b"GE\tT", si=ms_si(base))),
            ("target-space", ms_input(target=b"/a b?c d", si=ms_si(
                base + b' "@request-target" "@query"'))),
            ("query-param-twice", ms_input(
                target=b"/a?x=1&x=2", si=ms_si(base + b' "@query-param";'
                                               b'name="x"'))),
            ("query-param-absent", ms_input(
                si=ms_si(base + b' "@query-param";name="nope"'))),
            ("query-param-no-query", ms_input(
                target=b"/a", si=ms_si(base + b' "@query-param";name="x"'))),
            ("query-param-empty-name", ms_input(
                target=b"/a?=v&&x", si=ms_si(base + b' "@query-param";'
                                             b'name=""'))),
            ("query-param-no-name", ms_input(
                si=ms_si(base + b' "@query-param"'))),
            ("query-param-name-token", ms_input(
                si=ms_si(base + b' "@query-param";name=x'))),
            ("query-param-other-param", ms_input(
                si=ms_si(base + b' "@query-param";name="x";sf'))),
            ("no-authority", ms_input(f1=1, si=ms_si(
                base + b' "@authority"'))),
            ("no-path", ms_input(f1=2, si=ms_si(
                b'"@method" "@path" "approov-token"'))),
            ("no-path-target-uri", ms_input(f1=2, si=ms_si(base))),
            ("missing-headers", ms_input(sig=b"")),
            ("missing-input", ms_input(si=b"")),
            ("si-not-inner-list", ms_input(si=b'install="@method"')),
            ("si-repeated-key", ms_input(si=ms_si(after=b", install=()"))),
            ("si-no-install", ms_input(si=b'sig1=(' + base + b')'
                                      + MS_PARAMS)),
            ("si-repeated-param", ms_input(si=ms_si(
                params=MS_PARAMS + b";created=1"))),
            ("si-component-token", ms_input(si=ms_si(
                base + b" content-type"))),
            ("si-component-empty", ms_input(si=ms_si(base + b' ""'))),
            ("si-component-uppercase", ms_input(si=ms_si(
                base + b' "Content-Type"'))),
            ("si-component-param-twice", ms_input(si=ms_si(
                base + b' "@query-param";name="x";name="y"'))),
            ("si-expires-string", ms_input(si=ms_si(
                params=MS_PARAMS + b';expires="1"'))),
            ("si-nonce-integer", ms_input(si=ms_si(
                params=MS_PARAMS + b";nonce=1"))),
            ("si-noncanonical", ms_input(si=b"install=( " + base + b" )"
                                         + MS_PARAMS)),
            ("si-decimal", ms_input(si=ms_si(params=MS_PARAMS + b";x=1.5"))),
            ("si-unpadded-bytes", ms_input(si=ms_si(
                params=MS_PARAMS + b";x=:YQ:"))),
            ("si-bad-bytes", ms_input(si=ms_si(params=MS_PARAMS
                                               + b";x=:YQ=:"))),
            ("sig-inner-list", ms_input(sig=b"install=(:$SIG:)")),
            ("sig-params", ms_input(sig=b"install=:$SIG:;x")),
            ("sig-repeated", ms_input(sig=b"install=:$SIG:, install=:AA==:")),
            ("sig-no-install", ms_input(sig=b"sig1=:$SIG:")),
            ("sig-token", ms_input(sig=b"install=abc")),
            ("sig-short", ms_input(sig=b"install=:AAAA:")),
            ("sig-string-short", ms_input(sig=b'install="AAAA"')),
            ("sig-string-unpadded", ms_input(sig=b'install="YQ"')),
            ("sig-bytes-unpadded", ms_input(sig=b"install=:YQ:")),
            ("sig-noncanonical-text", ms_input(sig=b"install=:$SIG:  ")),
            ("sig-decimal-member", ms_input(sig=b"a=1.5, install=:$SIG:")),
            ("alg-wrong", ms_input(si=ms_si(params=b';created=%d;'
                                            b'alg="rsa-pss-sha512"' % NOW))),
            ("alg-token", ms_input(si=ms_si(params=b";created=%d;"
                                            b"alg=ecdsa-p256-sha256" % NOW))),
            ("unknown-status", ms_input(si=ms_si(base + b' "@status"'))),
            ("unknown-signature-params", ms_input(si=ms_si(
                base + b' "@signature-params"'))),
            ("unknown-field-sf", ms_input(si=ms_si(
                base + b' "content-type";sf'))),
            ("unknown-method-param", ms_input(si=ms_si(
                b'"@method";x "@path" "approov-token"'))),
            ("duplicate-component", ms_input(si=ms_si(base + b' "@method"'))),
            ("duplicate-query-param", ms_input(si=ms_si(
                base + b' "@query-param";name="x" "@query-param";name="x"'))),
            ("missing-method", ms_input(si=ms_si(
                b'"@path" "approov-token"'))),
            ("missing-target", ms_input(si=ms_si(
                b'"@method" "approov-token"'))),
            ("missing-token", ms_input(si=ms_si(b'"@method" "@path"'))),
            ("missing-x-token", ms_input(f0=MS_F0 | 4, si=ms_si(base))),
            ("no-created", ms_input(si=ms_si(
                base, b';alg="ecdsa-p256-sha256"'))),
            ("created-string", ms_input(si=ms_si(base, b';created="%d"'
                                                  % NOW))),
            ("created-future", ms_input(si=ms_si(base, b";created=%d"
                                                  % (NOW + 61)))),
            ("too-old", ms_input(si=ms_si(base, b";created=%d"
                                           % (NOW - 301)))),
            ("max-age-zero", ms_input(f0=0x40, si=ms_si(base, b";created=%d"
                                                         % (NOW - 1)))),
            ("skew-negative", ms_input(f0=0x10 | 0x60, si=ms_si(
                base, b";created=%d" % (NOW + 1)))),
            ("max-age-huge", ms_input(f0=0x18 | 0x40, si=ms_si(
                base, b";created=-999999999999999"))),
            ("expired", ms_input(si=ms_si(base, b";created=%d;expires=%d"
                                           % (NOW, NOW - 60)))),
            ("expires-skew", ms_input(si=ms_si(base, b";created=%d;expires=%d"
                                                % (NOW, NOW - 59)))),
            ("ipk-other-key", ms_input(f0=MS_F0 | 1)),
            ("ipk-p384", ms_input(f0=MS_F0 | 2)),
            ("ipk-unpadded", ms_input(f0=MS_F0 | 3)),
            ("tampered", ms_input(f1=8)),
            ("digest-sha512", ms_input(cd=b"sha-512=:$D512:")),
            ("digest-both", ms_input(cd=b"sha-256=:$D256:, sha-512=:$D512:")),
            ("digest-unpadded", ms_input(cd=b"sha-256=:$d256:")),
            ("digest-mismatch", ms_input(cd=b"sha-256=:$D512:")),
            ("digest-one-wrong", ms_input(
                cd=b"sha-256=:$D256:, sha-512=:AA==:")),
            ("digest-other-alg", ms_input(cd=b"md5=:AAAA:, sha-256=:$D256:")),
            ("digest-unsupported", ms_input(cd=b"md5=:AAAA:")),
            ("digest-string", ms_input(cd=b'sha-256="$D256"')),
            ("digest-params", ms_input(cd=b"sha-256=:$D256:;x")),
            ("digest-repeated", ms_input(
                cd=b"sha-256=:$D256:, sha-256=:$D256:")),
            ("digest-spaces", ms_input(cd=b"  sha-256=:$D256:  ")),
            ("digest-only-spaces", ms_input(cd=b"   ")),
            ("digest-empty-body", ms_input(cd=b"sha-256=:$D256:", body=b"")),
            ("digest-bad-base64", ms_input(cd=b"sha-256=:YQ=:")),
            ("short", bytes([MS_F0])),
            ("flags-only", bytes([MS_F0, 0])),
    ]:
        write(t, name, data)
    # Signature-Input at RFC 8941's minimums: 256 components (all the same
    # header, so a duplicate), 256 parameters, and over the bounds.
    write(t, "si-256-components", ms_input(si=ms_si(
        base + b"".join(b' "x%d"' % i for i in range(253)))))
    write(t, "si-257-components", ms_input(si=ms_si(
        base + b"".join(b' "x%d"' % i for i in range(254)))))
    write(t, "si-256-params", ms_input(si=ms_si(
        base, b";created=%d" % NOW + b"".join(b";p%d" % i
                                                for i in range(255)))))
    write(t, "si-257-params", ms_input(si=ms_si(
        base, b";created=%d" % NOW + b"".join(b";p%d" % i
                                                for i in range(256)))))


def sdkstatus_corpus():
    """Approov-Status and Approov-TraceID values (fuzz_sdkstatus)."""
    t = "sdkstatus"
    for name in (b"success", b"no_network", b"mitm_detected", b"rejected",
                 b"bad_payload"):
        write(t, "status-" + name.decode(), name)
    write(t, "upper", b"NO_NETWORK")
    write(t, "mixed-case", b"No_Network")
    write(t, "none-word", b"none")
    write(t, "other-word", b"other")
    write(t, "two-values", b"no_network, rejected")
    write(t, "prefix", b"success ")
    write(t, "empty", b"")
    write(t, "trace-uuid", b"7f3c1e2a-9b4d-4c1e-8f00-0123456789ab")
    write(t, "log-injection", b'x reason=valid uri=/ "\\')
    write(t, "utf8", "caf\u00e9".encode())
    write(t, "tchars", b"!#$%&'*+-.^_`|~AZaz09")
    write(t, "len-64", b"a" * 64)
    write(t, "len-65", b"a" * 65)
    write(t, "len-200-space-at-63", b"a" * 63 + b" " + b"b" * 136)
    write(t, "nul-inside", b"success\0rejected")


if __name__ == "__main__":
    verify_corpus()
    claims_corpus()
    json_corpus()
    envfile_corpus()
    b64url_corpus()
    keys_corpus()
    sfv_corpus()
    msgsig_corpus()
    sdkstatus_corpus()
