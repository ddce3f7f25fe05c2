//! Text from the sync log and the account directory, made safe to print on
//! a terminal. Names and messages come from Entra (a display name anyone
//! can set in their profile), from local accounts, or from a log file: an
//! escape sequence in them could clear the helpdesk's screen, rewrite what
//! the table shows, retitle the window, or (bidi overrides) make a name read
//! backwards.

use std::borrow::Cow;

/// Unicode bidirectional controls (marks, embeddings, overrides, isolates).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn needs_cleaning(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// `text` without terminal control: whole ESC sequences (CSI `ESC [ … final`,
/// OSC `ESC ] … BEL|ESC \`, and two-character ones) are dropped, other C0
/// and C1 controls, DEL and `\r` are dropped, line feeds and tabs become spaces,
/// and bidirectional controls are dropped. Plain text is returned as is.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_cleaning) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                // CSI: parameters and intermediates up to a final byte.
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('\u{40}'..='\u{7e}').contains(&c) {
                            break;
                        }
                    }
                }
                // OSC, DCS, SOS, PM, APC: up to BEL or ST (ESC \).
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' {
                            break;
                        }
                        if c == '\u{1b}' {
                            if chars.peek() == Some(&'\\') {
                                chars.next();
                            }
                            break;
                        }
                    }
                }
                // Any other escape: ESC and the one character after it.
                _ => {}
            },
            '\n' | '\t' => out.push(' '),
            c if needs_cleaning(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A JSON document (already escaped by serde_json, which escapes only
/// U+0000–U+001F) with DEL, the C1 controls and bidirectional controls also
/// written as `\uXXXX` escapes: the same JSON value, safe on a terminal.
pub fn json_safe(json: &str) -> Cow<'_, str> {
    if !json.chars().any(needs_cleaning) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        // Inside JSON, raw C0 characters can only be structural white space.
        if needs_cleaning(c) && !matches!(c, '\n' | '\r' | '\t') {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_controls_are_removed_text_is_kept() {
        assert_eq!(printable("Ada Lovelace"), "Ada Lovelace");
        assert_eq!(printable("\u{1b}[2J\u{1b}[1;31mAda\u{1b}[0m"), "Ada");
        assert_eq!(printable("\u{1b}]0;owned\u{7}Ada"), "Ada");
        assert_eq!(printable("\u{1b}]8;;http://x\u{1b}\\link"), "link");
        assert_eq!(printable("a\u{7}b\u{8}c\u{7f}d\u{9b}31me"), "abcd31me");
        assert_eq!(printable("line\none\ttab"), "line one tab");
        assert_eq!(printable("\u{202e}nimda\u{202c} ada"), "nimda ada");
        assert_eq!(printable("trailing \u{1b}"), "trailing ");
    }

    #[test]
    fn json_keeps_its_value_and_loses_raw_controls() {
        let value = serde_json::json!({"m": "\u{1b}[2J\u{9b}x\u{202e}y"});
        let text = value.to_string();
        let safe = json_safe(&text);
        assert!(!safe.chars().any(needs_cleaning), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap_or_default();
        assert_eq!(back, value);
    }
}
