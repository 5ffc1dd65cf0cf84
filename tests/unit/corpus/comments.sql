-- Comments in every place they may appear.
/* A block comment; with semicolons; before the first statement. */
SELECT 1;
/* outer /* nested; */ still outer; */ SELECT 2;
SELECT /* inline; */ 3 /* trailing; */;
SELECT 4 -- line comment; with a semicolon
;
SELECT 5 -- a comment ending the statement text
, 6;
-- a comment line between statements; SELECT 'not this';
SELECT 7;
/* unbalanced-looking quote in a comment: it's " $$ */ SELECT 8;
-- quote in a line comment: it's " $$
SELECT 9;
SELECT 10 /* /* /* deep; */ */ */;
SELECT 11 --
;
SELECT 2 */* a comment right after an operator character; */ 3;
SELECT 12 - -1, 13 - - 1, 14 / 2;
SELECT 15 /**/;
SELECT 16 /***/;
SELECT 17 /* ** / * */;
SELECT '-- inside a string' -- and outside
;
SELECT 18; -- trailing comment after the semicolon
SELECT 19; /* trailing block */ SELECT 20;
   -- indented comment
	/* tab-indented comment */ SELECT 21;
SELECT 22 /* comment before semicolon */ ;
/* only a comment between semicolons */ ;
;;
SELECT 23;
