-- String constants in every form the lexer knows (regression-style).
SELECT 'plain; with a semicolon';
SELECT 'it''s doubled; twice '''' here';
SELECT 'backslash is ordinary here: C:\';
SELECT E'backslash escapes: \'; still in the string';
SELECT e'lower-case e: \\; and \n newline escape';
SELECT E'octal \101 hex \x41 unicode \u00e9 \U0001F600';
SELECT E'a doubled quote '' also works; in E strings';
SELECT E'first segment'
'second segment: \'; still inside'
'third; done';
SELECT E'continued after a comment line' -- why
'\'; still E mode';
SELECT 'plain continued'
  'second; plain';
SELECT U&'d\0061t\+000061; unicode escapes';
SELECT U&'d!0061t!+000061' UESCAPE '!';
SELECT N'national; character';
SELECT B'1010', X'1F', b'0101;', x'ff';
SELECT 'café; naïve', 'Ελληνικά; κείμενο', '日本語；テキスト', 'emoji 😀; text';
SELECT $$dollar; quoted 'with quotes' and "double"$$;
SELECT $body$ nested $inner$ ; $inner$ still body; $body$;
SELECT $_$ underscore tag; $_$, $a1$ digits in tag; $a1$;
SELECT $é$ non-ascii tag; $é$;
SELECT $$ -- not a comment; $$ AS c, $$ /* nor this; $$ AS d;
SELECT '$$ not a dollar quote;', '-- not a comment;', '/* nor this;';
SELECT "weird;name", "quote "" inside; it" FROM (SELECT 1 AS "weird;name", 2 AS "quote "" inside; it") s;
SELECT U&"d\0061t;a" FROM (SELECT 1 AS data) s;
SELECT 1 AS "café;", 2 AS "日本;";
SELECT text 'abc;' AS typed_literal, int4 '42';
SELECT date '2024-01-01', interval '1 day;', timestamp with time zone 'epoch';
SELECT E'' AS empty_e, '' AS empty, $$$$ AS empty_dollar;
SELECT 'E' || 'x'';y';
SELECT $1::text FROM (SELECT 1) s WHERE false;
SELECT 'a' ~ 'b;c', 'a' !~* E'\\d;';
SELECT format('%s;%s', 'a', 'b'), concat_ws(';', 'x', 'y');
SELECT E'\\', 'ok';
SELECT e'ends with backslash-quote pair \\''';
SELECT 'multi
line; string
literal';
SELECT E'multi
line \' e-string;
literal';
