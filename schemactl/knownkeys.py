"""Structural keys (normalize.expr_key) of the SQL schemactl writes for the portable default functions,
as sqlglot reads them: both catalogs give these texts back on every table with a uuid or now() default, and
the keys spare each process the sqlglot import.  Generated from the installed sqlglot; tests/test_sqlfast.py
fails when they differ from what it reads (regenerate: python3 tests/gen_knownkeys.py)."""

KEYS = {
    ("(CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER))", 'sqlite'):
        "('round', (('this', ('mul', (('expression', ('num', '86400000')), ('this', ('sub', (('expression', ('num', '2440587.5')), ('this', ('fn', 'julianday', (('str', 'now'),))))))))),))",
    ("(CAST(strftime('%s', 'now') AS INTEGER))", 'sqlite'):
        "('timetostr', (('format', ('str', '%s')), ('this', ('tsordstotimestamp', (('this', ('str', 'now')),)))))",
    ('(CURRENT_DATE)', 'postgres'):
        "('currentdate', ())",
    ('(CURRENT_DATE)', 'sqlite'):
        "('currentdate', ())",
    ('(CURRENT_TIME)', 'sqlite'):
        "('currenttime', ())",
    ('(CURRENT_TIMESTAMP)', 'postgres'):
        "('currenttimestamp', ())",
    ('(CURRENT_TIMESTAMP)', 'sqlite'):
        "('currenttimestamp', ())",
    ('(LOCALTIME)', 'postgres'):
        "('localtime', ())",
    ('(gen_random_uuid())', 'postgres'):
        "('uuid', ())",
    ("(lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))))", 'sqlite'):
        "('dpipe', (('expression', ('lowerhex', (('this', ('fn', 'randomblob', (('num', '6'),))),))), ('this', ('dpipe', (('expression', ('str', '-')), ('this', ('dpipe', (('expression', ('substring', (('start', ('num', '2')), ('this', ('lowerhex', (('this', ('fn', 'randomblob', (('num', '2'),))),)))))), ('this', ('dpipe', (('expression', ('substring', (('length', ('num', '1')), ('start', ('add', (('expression', ('mod', (('expression', ('num', '4')), ('this', ('abs', (('this', ('rand', ())),)))))), ('this', ('num', '1'))))), ('this', ('str', '89ab'))))), ('this', ('dpipe', (('expression', ('str', '-')), ('this', ('dpipe', (('expression', ('substring', (('start', ('num', '2')), ('this', ('lowerhex', (('this', ('fn', 'randomblob', (('num', '2'),))),)))))), ('this', ('dpipe', (('expression', ('str', '-4')), ('this', ('dpipe', (('expression', ('lowerhex', (('this', ('fn', 'randomblob', (('num', '2'),))),))), ('this', ('dpipe', (('expression', ('str', '-')), ('this', ('lowerhex', (('this', ('fn', 'randomblob', (('num', '4'),))),)))))))))))))))))))))))))))))",
    ('(now())', 'postgres'):
        "('currenttimestamp', ())",
    ("(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))", 'sqlite'):
        "('timetostr', (('format', ('str', '%Y-%m-%dT%H:%M:%fZ')), ('this', ('tsordstotimestamp', (('this', ('str', 'now')),)))))",
    ("CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)", 'sqlite'):
        "('round', (('this', ('mul', (('expression', ('num', '86400000')), ('this', ('sub', (('expression', ('num', '2440587.5')), ('this', ('fn', 'julianday', (('str', 'now'),))))))))),))",
    ("CAST(strftime('%s', 'now') AS INTEGER)", 'sqlite'):
        "('timetostr', (('format', ('str', '%s')), ('this', ('tsordstotimestamp', (('this', ('str', 'now')),)))))",
    ('CURRENT_DATE', 'postgres'):
        "('currentdate', ())",
    ('CURRENT_DATE', 'sqlite'):
        "('currentdate', ())",
    ('CURRENT_TIME', 'sqlite'):
        "('currenttime', ())",
    ('CURRENT_TIMESTAMP', 'postgres'):
        "('currenttimestamp', ())",
    ('CURRENT_TIMESTAMP', 'sqlite'):
        "('currenttimestamp', ())",
    ('LOCALTIME', 'postgres'):
        "('localtime', ())",
    ('gen_random_uuid()', 'postgres'):
        "('uuid', ())",
    ("lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))", 'sqlite'):
        "('dpipe', (('expression', ('lowerhex', (('this', ('fn', 'randomblob', (('num', '6'),))),))), ('this', ('dpipe', (('expression', ('str', '-')), ('this', ('dpipe', (('expression', ('substring', (('start', ('num', '2')), ('this', ('lowerhex', (('this', ('fn', 'randomblob', (('num', '2'),))),)))))), ('this', ('dpipe', (('expression', ('substring', (('length', ('num', '1')), ('start', ('add', (('expression', ('mod', (('expression', ('num', '4')), ('this', ('abs', (('this', ('rand', ())),)))))), ('this', ('num', '1'))))), ('this', ('str', '89ab'))))), ('this', ('dpipe', (('expression', ('str', '-')), ('this', ('dpipe', (('expression', ('substring', (('start', ('num', '2')), ('this', ('lowerhex', (('this', ('fn', 'randomblob', (('num', '2'),))),)))))), ('this', ('dpipe', (('expression', ('str', '-4')), ('this', ('dpipe', (('expression', ('lowerhex', (('this', ('fn', 'randomblob', (('num', '2'),))),))), ('this', ('dpipe', (('expression', ('str', '-')), ('this', ('lowerhex', (('this', ('fn', 'randomblob', (('num', '4'),))),)))))))))))))))))))))))))))))",
    ('now()', 'postgres'):
        "('currenttimestamp', ())",
    ("strftime('%Y-%m-%dT%H:%M:%fZ', 'now')", 'sqlite'):
        "('timetostr', (('format', ('str', '%Y-%m-%dT%H:%M:%fZ')), ('this', ('tsordstotimestamp', (('this', ('str', 'now')),)))))",
}
