//! The ARM template expression grammar:
//!
//! ```text
//! expr    := primary postfix*
//! primary := STRING | INT | IDENT '(' [expr (',' expr)*] ')' | 'true' | 'false' | 'null'
//! postfix := '.' IDENT | '[' expr ']'
//! ```
//!
//! and the JSON string forms: `"[expr]"` is an expression, `"[[..."` a literal starting with `[`,
//! anything else a literal.

use super::TemplateError;
use super::lexer::{Tok, Token, lex};

/// Deepest nesting of calls and indexes accepted (ARM's own parser has a similar bound).
pub const MAX_DEPTH: usize = 64;

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Str(String),
    Int(i64),
    Bool(bool),
    Null,
    /// A function call, with the character position of its name.
    Call {
        name: String,
        args: Vec<Expr>,
        pos: usize,
    },
    /// `.name`: property access.
    Prop(Box<Expr>, String, usize),
    /// `[expr]`: array index or property by name.
    Index(Box<Expr>, Box<Expr>, usize),
}

/// What a JSON string of a template is.
#[derive(Debug, PartialEq)]
pub enum StringForm<'a> {
    Literal(std::borrow::Cow<'a, str>),
    Expression(&'a str),
}

/// Classifies a template string: `[[x` is the literal `[x`; `[x]` is the expression `x`.
pub fn string_form(s: &str) -> StringForm<'_> {
    if let Some(rest) = s.strip_prefix("[[") {
        return StringForm::Literal(std::borrow::Cow::Owned(format!("[{rest}")));
    }
    match s.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        Some(inner) => StringForm::Expression(inner),
        None => StringForm::Literal(std::borrow::Cow::Borrowed(s)),
    }
}

/// Parses the text of one expression (without its brackets).
pub fn parse(expr: &str) -> Result<Expr, TemplateError> {
    let tokens = lex(expr)?;
    let mut p = Parser {
        expr,
        tokens,
        at: 0,
    };
    if p.tokens.is_empty() {
        return Err(TemplateError::parse(
            expr,
            "the expression is empty".to_string(),
        ));
    }
    let e = p.expression(0)?;
    if let Some(t) = p.tokens.get(p.at) {
        return Err(p.unexpected("EndOfData", Some(t.clone())));
    }
    Ok(e)
}

struct Parser<'a> {
    expr: &'a str,
    tokens: Vec<Token>,
    at: usize,
}

impl Parser<'_> {
    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at).map(|t| &t.tok)
    }

    fn unexpected(&self, expected: &str, actual: Option<Token>) -> TemplateError {
        let (what, pos) = match actual {
            Some(t) => (t.tok.describe().to_string(), t.pos),
            None => ("EndOfData".to_string(), self.expr.chars().count()),
        };
        TemplateError::parse(
            self.expr,
            format!("expected token '{expected}' and actual '{what}' at position '{pos}'"),
        )
    }

    fn expect(&mut self, tok: Tok) -> Result<(), TemplateError> {
        match self.next() {
            Some(t) if t.tok == tok => Ok(()),
            other => Err(self.unexpected(tok.describe(), other)),
        }
    }

    fn expression(&mut self, depth: usize) -> Result<Expr, TemplateError> {
        if depth > MAX_DEPTH {
            return Err(TemplateError::parse(
                self.expr,
                format!("the expression nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        let mut e = self.primary(depth)?;
        loop {
            match self.peek() {
                Some(Tok::Dot) => {
                    let dot = self.next().map_or(0, |t| t.pos);
                    match self.next() {
                        Some(Token {
                            tok: Tok::Ident(name),
                            ..
                        }) => e = Expr::Prop(Box::new(e), name, dot),
                        other => return Err(self.unexpected("Identifier", other)),
                    }
                }
                Some(Tok::LBracket) => {
                    let open = self.next().map_or(0, |t| t.pos);
                    let index = self.expression(depth + 1)?;
                    self.expect(Tok::RBracket)?;
                    e = Expr::Index(Box::new(e), Box::new(index), open);
                }
                _ => return Ok(e),
            }
        }
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, TemplateError> {
        match self.next() {
            Some(Token {
                tok: Tok::Str(s), ..
            }) => Ok(Expr::Str(s)),
            Some(Token {
                tok: Tok::Int(n), ..
            }) => Ok(Expr::Int(n)),
            Some(Token {
                tok: Tok::Ident(name),
                pos,
            }) => {
                if self.peek() != Some(&Tok::LParen) {
                    return match name.to_ascii_lowercase().as_str() {
                        "true" => Ok(Expr::Bool(true)),
                        "false" => Ok(Expr::Bool(false)),
                        "null" => Ok(Expr::Null),
                        _ => {
                            Err(self
                                .unexpected("LeftParenthesis", self.tokens.get(self.at).cloned()))
                        }
                    };
                }
                self.at += 1;
                let mut args = Vec::new();
                if self.peek() == Some(&Tok::RParen) {
                    self.at += 1;
                    return Ok(Expr::Call { name, args, pos });
                }
                loop {
                    args.push(self.expression(depth + 1)?);
                    match self.next() {
                        Some(Token {
                            tok: Tok::Comma, ..
                        }) => continue,
                        Some(Token {
                            tok: Tok::RParen, ..
                        }) => return Ok(Expr::Call { name, args, pos }),
                        other => return Err(self.unexpected("RightParenthesis", other)),
                    }
                }
            }
            other => Err(self.unexpected("Identifier", other)),
        }
    }
}

/// Writes an expression back as text that parses to the same tree (the round-trip property).
#[cfg(test)]
pub fn render(e: &Expr) -> String {
    match e {
        Expr::Str(s) => format!("'{}'", s.replace('\'', "''")),
        Expr::Int(n) => n.to_string(),
        Expr::Bool(b) => b.to_string(),
        Expr::Null => "null".to_string(),
        Expr::Call { name, args, .. } => format!(
            "{name}({})",
            args.iter().map(render).collect::<Vec<_>>().join(", ")
        ),
        Expr::Prop(base, name, _) => format!("{}.{name}", render(base)),
        Expr::Index(base, index, _) => format!("{}[{}]", render(base), render(index)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_az_sends() {
        let e = parse("reference('/subscriptions/s/x', '2019-07-01', 'Full').identity.principalId")
            .unwrap();
        match &e {
            Expr::Prop(inner, name, _) => {
                assert_eq!(name, "principalId");
                assert!(matches!(&**inner, Expr::Prop(_, n, _) if n == "identity"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            render(&e),
            "reference('/subscriptions/s/x', '2019-07-01', 'Full').identity.principalId"
        );
        assert_eq!(
            parse("parameters('a')[0]['b']").unwrap(),
            Expr::Index(
                Box::new(Expr::Index(
                    Box::new(Expr::Call {
                        name: "parameters".into(),
                        args: vec![Expr::Str("a".into())],
                        pos: 0
                    }),
                    Box::new(Expr::Int(0)),
                    15
                )),
                Box::new(Expr::Str("b".into())),
                18
            )
        );
        assert_eq!(parse("true").unwrap(), Expr::Bool(true));
        assert_eq!(
            parse("f()").unwrap(),
            Expr::Call {
                name: "f".into(),
                args: vec![],
                pos: 0
            }
        );
    }

    #[test]
    fn string_forms() {
        assert_eq!(string_form("[a()]"), StringForm::Expression("a()"));
        assert_eq!(
            string_form("[[a()]"),
            StringForm::Literal(std::borrow::Cow::Owned("[a()]".into()))
        );
        assert!(matches!(string_form("plain"), StringForm::Literal(_)));
        assert!(matches!(string_form("[unclosed"), StringForm::Literal(_)));
        assert!(matches!(string_form("["), StringForm::Literal(_)));
    }

    #[test]
    fn errors_name_the_expression_and_position() {
        let e = parse("concat('a'").unwrap_err();
        assert_eq!(
            e.message,
            "Unable to parse language expression 'concat('a'': expected token 'RightParenthesis' and actual 'EndOfData' at position '10'."
        );
        let e = parse("f().").unwrap_err();
        assert!(
            e.message.contains("expected token 'Identifier'"),
            "{}",
            e.message
        );
        let e = parse("a() b()").unwrap_err();
        assert!(e.message.contains("at position '4'"), "{}", e.message);
        assert!(parse("").is_err());
        assert!(parse("x").is_err());
        let deep = format!("{}1{}", "f(".repeat(100), ")".repeat(100));
        assert!(parse(&deep).unwrap_err().message.contains("deeper"));
    }

    fn arb_expr() -> impl proptest::strategy::Strategy<Value = Expr> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            "[a-z' \\[\\]]{0,8}".prop_map(Expr::Str),
            any::<i64>().prop_map(Expr::Int),
            any::<bool>().prop_map(Expr::Bool),
        ];
        leaf.prop_recursive(5, 40, 4, |inner| {
            prop_oneof![
                (
                    "[a-zA-Z][a-zA-Z0-9]{0,8}",
                    proptest::collection::vec(inner.clone(), 0..4)
                )
                    .prop_map(|(name, args)| Expr::Call { name, args, pos: 0 }),
                (inner.clone(), "[a-zA-Z][a-zA-Z0-9]{0,6}")
                    .prop_filter("keyword", |(_, n)| !matches!(
                        n.as_str(),
                        "true" | "false" | "null"
                    ))
                    .prop_map(|(b, n)| Expr::Prop(Box::new(b), n, 0)),
                (inner.clone(), inner).prop_map(|(b, i)| Expr::Index(Box::new(b), Box::new(i), 0)),
            ]
        })
    }

    /// Positions aside, two trees are the same.
    fn same(a: &Expr, b: &Expr) -> bool {
        match (a, b) {
            (
                Expr::Call {
                    name: n1, args: a1, ..
                },
                Expr::Call {
                    name: n2, args: a2, ..
                },
            ) => n1 == n2 && a1.len() == a2.len() && a1.iter().zip(a2).all(|(x, y)| same(x, y)),
            (Expr::Prop(b1, n1, _), Expr::Prop(b2, n2, _)) => n1 == n2 && same(b1, b2),
            (Expr::Index(b1, i1, _), Expr::Index(b2, i2, _)) => same(b1, b2) && same(i1, i2),
            _ => a == b,
        }
    }

    proptest::proptest! {
        /// Any text: an expression or an error, never a panic.
        #[test]
        fn any_text_parses_or_fails_cleanly(s in "\\PC{0,40}") {
            let _ = parse(&s);
            let _ = string_form(&s);
        }

        /// Text made of the grammar's own characters: never a panic either.
        #[test]
        fn grammar_soup_never_panics(s in "[a-z0-9'(),.\\[\\] -]{0,40}") {
            let _ = parse(&s);
        }

        /// Rendering a tree and parsing it back gives the same tree.
        #[test]
        fn render_round_trips(e in arb_expr()) {
            let text = render(&e);
            let back = parse(&text).map_err(|e| proptest::test_runner::TestCaseError::fail(e.message))?;
            proptest::prop_assert!(same(&e, &back), "{} -> {:?}", text, back);
        }
    }
}
