//! Tokens of an ARM template language expression (the text between `[` and `]`): identifiers,
//! single-quoted strings (`''` escapes a quote), integers, `(`, `)`, `,`, `.`, `[`, `]`.
//! Positions are character offsets in the expression, as ARM's messages count them.

use super::TemplateError;

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Ident(String),
    Str(String),
    Int(i64),
    LParen,
    RParen,
    Comma,
    Dot,
    LBracket,
    RBracket,
}

impl Tok {
    /// The token's name in ARM's parse errors.
    pub fn describe(&self) -> &'static str {
        match self {
            Tok::Ident(_) => "Identifier",
            Tok::Str(_) => "String",
            Tok::Int(_) => "Integer",
            Tok::LParen => "LeftParenthesis",
            Tok::RParen => "RightParenthesis",
            Tok::Comma => "Comma",
            Tok::Dot => "Dot",
            Tok::LBracket => "LeftSquareBracket",
            Tok::RBracket => "RightSquareBracket",
        }
    }
}

/// A token and the character position it starts at.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub pos: usize,
}

/// Splits `expr` into tokens.
pub fn lex(expr: &str) -> Result<Vec<Token>, TemplateError> {
    let chars: Vec<char> = expr.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let pos = i;
        let simple = match c {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            ',' => Some(Tok::Comma),
            '.' => Some(Tok::Dot),
            '[' => Some(Tok::LBracket),
            ']' => Some(Tok::RBracket),
            _ => None,
        };
        if let Some(tok) = simple {
            out.push(Token { tok, pos });
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => {
                        return Err(TemplateError::parse(
                            expr,
                            format!(
                                "the string literal starting at position '{pos}' is not terminated"
                            ),
                        ));
                    }
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        s.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(ch) => {
                        s.push(*ch);
                        i += 1;
                    }
                }
            }
            out.push(Token {
                tok: Tok::Str(s),
                pos,
            });
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            i += 1;
            while chars.get(i).is_some_and(char::is_ascii_digit) {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            let n = text.parse::<i64>().map_err(|_| {
                TemplateError::parse(
                    expr,
                    format!("the integer '{text}' at position '{pos}' is out of range"),
                )
            })?;
            out.push(Token {
                tok: Tok::Int(n),
                pos,
            });
        } else if c.is_alphabetic() || c == '_' || c == '$' {
            let start = i;
            while chars
                .get(i)
                .is_some_and(|ch| ch.is_alphanumeric() || *ch == '_' || *ch == '$')
            {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Ident(chars[start..i].iter().collect()),
                pos,
            });
        } else {
            return Err(TemplateError::parse(
                expr,
                format!("the character '{c}' at position '{pos}' is not expected"),
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn tokens() {
        assert_eq!(
            toks("concat('a''b', -12)[0].x"),
            vec![
                Tok::Ident("concat".into()),
                Tok::LParen,
                Tok::Str("a'b".into()),
                Tok::Comma,
                Tok::Int(-12),
                Tok::RParen,
                Tok::LBracket,
                Tok::Int(0),
                Tok::RBracket,
                Tok::Dot,
                Tok::Ident("x".into()),
            ]
        );
        assert_eq!(toks("''"), vec![Tok::Str(String::new())]);
    }

    #[test]
    fn errors_name_the_position() {
        let e = lex("concat('a").unwrap_err();
        assert!(e.message.contains("position '7'"), "{}", e.message);
        let e = lex("a + b").unwrap_err();
        assert!(e.message.contains("'+' at position '2'"), "{}", e.message);
        assert!(lex("99999999999999999999").is_err());
    }
}
