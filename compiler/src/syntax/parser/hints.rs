//! Help for common syntax mistakes, added to the syntax errors they cause:
//! - `if x = 5` / `while x = 5`: `=` assigns; comparing is `==` (with the edit);
//! - a keyword where a name is expected (`let from = 3`): keywords cannot be names.

use crate::diagnostics::Diagnostic;
use crate::syntax::token::{Kw, Punct, Token};

use super::input::Spanned;

/// Adds the hints to the syntax errors `diags` of a file lexed into `tokens`.
pub(super) fn add_hints(diags: &mut [Diagnostic], tokens: &[Spanned]) {
    for d in diags.iter_mut() {
        if d.code != crate::diagnostics::E0006 {
            continue;
        }
        let at = tokens.partition_point(|(_, s)| s.start < d.primary.start);
        let Some((tok, span)) = tokens.get(at) else {
            continue;
        };
        match tok {
            Token::Punct(Punct::Eq) => {
                let Some(kw) = condition_keyword(&tokens[..at]) else {
                    continue;
                };
                let article = if kw == Kw::If { "an" } else { "a" };
                d.notes.push(format!(
                    "`=` assigns a value; {article} `{}` condition compares with `==`",
                    kw.as_str()
                ));
                d.add_suggestion(*span, "==", "to compare, write `==`");
            }
            Token::Kw(k) if expects_a_name(&d.message) => {
                d.help.push(format!(
                    "`{0}` is a keyword and cannot be used as a name; rename it (for example `{0}Value`)",
                    k.as_str()
                ));
            }
            _ => {}
        }
    }
}

/// The `if` or `while` whose condition the tokens before a `=` are in: the statement's
/// tokens back to the previous `{`, `}` or `;`, which must not be `if let` / `while let`
/// (whose `=` is right).
fn condition_keyword(before: &[Spanned]) -> Option<Kw> {
    let mut saw_let = false;
    for (tok, _) in before.iter().rev() {
        match tok {
            Token::Kw(Kw::Let) => saw_let = true,
            Token::Kw(k @ (Kw::If | Kw::While)) => return (!saw_let).then_some(*k),
            Token::Punct(Punct::LBrace | Punct::RBrace | Punct::Semi) => return None,
            _ => {}
        }
    }
    None
}

/// Does a syntax error's message say a name was expected?
fn expects_a_name(message: &str) -> bool {
    let expected = message.split(", found").next().unwrap_or("");
    expected.contains("identifier") || expected.contains("pattern") || expected.contains("name")
}
