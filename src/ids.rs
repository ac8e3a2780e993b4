//! The identifiers a hosting manager types: hosting number, console password, invoice number.
//! Parsing accepts what people paste (spaces, dashes between digit groups) and stores one canonical form.

use crate::error::{Error, Result};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Alphabet of generated passwords: no look-alikes (0/O/o, 1/l/I, 5/S, 2/Z are kept apart by dropping O, o, 0, 1, l, I).
pub const PASSWORD_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
pub const CONSOLE_PASSWORD_LEN: usize = 14;

fn digits(input: &str, len: usize) -> Option<String> {
    let cleaned: String = input.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    (cleaned.len() == len && cleaned.bytes().all(|b| b.is_ascii_digit())).then_some(cleaned)
}

fn random_digits(len: usize) -> String {
    let mut rng = rand::rng();
    // No leading zero, so the number survives spreadsheets and integer parsing.
    let first = char::from(b'1' + rng.random_range(0..9u8));
    std::iter::once(first)
        .chain((1..len).map(|_| char::from(b'0' + rng.random_range(0..10u8))))
        .collect()
}

/// 12 digits that identify a hosting account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HostingNumber(String);

impl HostingNumber {
    pub fn parse(input: &str) -> Result<Self> {
        digits(input, 12).map(HostingNumber).ok_or_else(|| {
            Error::invalid(
                "The hosting number is made of 12 digits.",
                "Le numéro d'hébergement est composé de 12 chiffres.",
            )
        })
    }
    pub fn generate() -> Self {
        HostingNumber(random_digits(12))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 10 digits, asked once per device to install its certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceNumber(String);

impl InvoiceNumber {
    pub fn parse(input: &str) -> Result<Self> {
        digits(input, 10).map(InvoiceNumber).ok_or_else(|| {
            Error::invalid(
                "The invoice number is made of 10 digits.",
                "Le numéro de facture est composé de 10 chiffres.",
            )
        })
    }
    pub fn generate() -> Self {
        InvoiceNumber(random_digits(10))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The 14-character console password given by the provider. Never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct ConsolePassword(String);

impl ConsolePassword {
    pub fn parse(input: &str) -> Result<Self> {
        let trimmed = input.trim();
        if trimmed.chars().count() != CONSOLE_PASSWORD_LEN || trimmed.chars().any(char::is_whitespace) {
            return Err(Error::invalid(
                "The console password is made of 14 characters.",
                "Le mot de passe de la console est composé de 14 caractères.",
            ));
        }
        Ok(ConsolePassword(trimmed.to_owned()))
    }
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        ConsolePassword(
            (0..CONSOLE_PASSWORD_LEN)
                .map(|_| char::from(PASSWORD_ALPHABET[rng.random_range(0..PASSWORD_ALPHABET.len())]))
                .collect(),
        )
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A domain name: letters, digits, hyphens and dots; labels of 1–63 characters, 253 in all, no hyphen at either end
/// of a label; stored lower-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DomainName(String);

impl DomainName {
    pub fn parse(input: &str) -> Result<Self> {
        let name = input.trim().trim_end_matches('.').to_ascii_lowercase();
        let bad = |en: String, fr: String| Err(Error::invalid(en, fr));
        if name.is_empty() {
            return bad("Enter a domain name.".into(), "Saisissez un nom de domaine.".into());
        }
        if name.len() > 253 {
            return bad(
                format!(
                    "A domain name has at most 253 characters (this one has {}).",
                    name.len()
                ),
                format!(
                    "Un nom de domaine compte au plus 253 caractères (celui-ci en a {}).",
                    name.len()
                ),
            );
        }
        if let Some(c) = name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.'))
        {
            return bad(
                format!("'{c}' is not allowed in a domain name: use letters, digits, hyphens and dots."),
                format!(
                    "« {c} » n'est pas permis dans un nom de domaine : lettres, chiffres, tirets et points seulement."
                ),
            );
        }
        for label in name.split('.') {
            if label.is_empty() {
                return bad(
                    "A domain name cannot have two dots in a row, or start with a dot.".into(),
                    "Un nom de domaine ne peut pas contenir deux points de suite, ni commencer par un point.".into(),
                );
            }
            if label.len() > 63 {
                return bad(
                    format!(
                        "Each part between dots has at most 63 characters ('{label}' has {}).",
                        label.len()
                    ),
                    format!(
                        "Chaque partie entre deux points compte au plus 63 caractères (« {label} » en a {}).",
                        label.len()
                    ),
                );
            }
            if label.starts_with('-') || label.ends_with('-') {
                return bad(
                    format!("A part of a domain name cannot start or end with a hyphen ('{label}')."),
                    format!("Une partie d'un nom de domaine ne peut ni commencer ni finir par un tiret (« {label} »)."),
                );
            }
        }
        Ok(DomainName(name))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DomainName {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        DomainName::parse(&s)
    }
}

impl From<DomainName> for String {
    fn from(d: DomainName) -> String {
        d.0
    }
}

impl fmt::Debug for ConsolePassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ConsolePassword(…)")
    }
}

impl fmt::Display for HostingNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for HostingNumber {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        HostingNumber::parse(&s)
    }
}

impl From<HostingNumber> for String {
    fn from(h: HostingNumber) -> String {
        h.0
    }
}

/// `text` in Unicode NFC. Most text is NFC already (all ASCII is): checked first, rebuilt only when it is not (a
/// tenth of a bulk import otherwise).
pub fn nfc(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    if unicode_normalization::is_nfc(text) {
        text.to_owned()
    } else {
        text.nfc().collect()
    }
}

/// A name people read (a planning, a publication): trimmed, in Unicode NFC, 1 to `max` characters, with no control
/// or format characters (no invisible or right-to-left marks) and no run of more than two combining marks, so that two
/// names that look alike are the same name.
pub fn display_name(input: &str, max: usize, what: (&str, &str)) -> Result<String> {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
    let name = nfc(input.trim());
    let len = name.chars().count();
    let (en, fr) = what;
    if len == 0 || len > max {
        return Err(Error::invalid(
            format!("{en} has 1 to {max} characters."),
            format!("{fr} compte de 1 à {max} caractères."),
        ));
    }
    let hidden = name
        .chars()
        .any(|c| c.is_control() || (!c.is_ascii() && c.general_category() == GeneralCategory::Format));
    // Counted on the decomposed form: "é" followed by two marks is a run of three. Each character is decomposed on
    // its own: NFD's reordering moves marks within a run, never changes its length.
    let mut stacked = false;
    if !name.is_ascii() {
        let mut run = 0;
        for c in name.chars() {
            unicode_normalization::char::decompose_canonical(c, |d| {
                run = if unicode_normalization::char::is_combining_mark(d) {
                    run + 1
                } else {
                    0
                };
                stacked |= run > 2;
            });
        }
    }
    if hidden || stacked {
        return Err(Error::invalid(
            format!("{en} contains invisible or stacked characters; type it again with ordinary letters."),
            format!(
                "{fr} contient des caractères invisibles ou superposés ; saisissez-le avec des lettres ordinaires."
            ),
        ));
    }
    Ok(name)
}

/// Lower case, accents and other marks removed: "Élodie" and "elodie" find each other.
pub fn fold(s: &str) -> String {
    use unicode_normalization::char::{decompose_canonical, is_combining_mark};
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        // NFD with every mark dropped: the canonical reordering of marks cannot change the result, so each
        // character is decomposed on its own (no buffering, a bulk import folds 10,000 names).
        decompose_canonical(c, |d| {
            if !is_combining_mark(d) {
                out.extend(d.to_lowercase());
            }
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_is_nfd_without_marks_in_lower_case() {
        use unicode_normalization::UnicodeNormalization;
        let reference = |s: &str| -> String {
            s.nfd()
                .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
                .flat_map(char::to_lowercase)
                .collect()
        };
        for s in [
            "Élodie DURAND",
            "ÉLODIE",
            "Ǆemal Çelik",
            "Ångström",
            "Œuvre",
            "한국어",
            "e\u{301}\u{327}x",
            "Ὀδυσσεύς",
            "Nguyễn Văn",
            "ﬁn",
            "İstanbul",
            "jean.dupont@lycée.fr",
        ] {
            assert_eq!(fold(s), reference(s), "{s}");
        }
        assert_eq!(fold("Élodie"), "elodie");
    }

    #[test]
    fn display_names_refuse_runs_of_three_marks_however_written() {
        let name = |s: &str| display_name(s, 60, ("The name", "Le nom"));
        for fine in ["Nguyễn Văn", "Ǘlle", "Élodie", "e\u{301}\u{302}"] {
            assert!(name(fine).is_ok(), "{fine}");
        }
        // Three marks: written apart, or partly inside a precomposed letter (ễ is e + two marks), or all in one.
        for stacked in ["e\u{301}\u{302}\u{303}", "ễ\u{301}", "\u{1F8F}"] {
            assert!(name(stacked).is_err(), "{stacked:?}");
        }
    }

    #[test]
    fn hosting_number_accepts_twelve_digits_with_separators() {
        assert_eq!(HostingNumber::parse("1234 5678-9012").unwrap().as_str(), "123456789012");
        for bad in [
            "",
            "12345678901",
            "1234567890123",
            "12345678901a",
            "１２３４５６７８９０１２",
        ] {
            let err = HostingNumber::parse(bad).unwrap_err();
            assert_eq!(err.code, crate::error::ErrorCode::InvalidInput, "{bad:?}");
        }
    }

    #[test]
    fn invoice_number_is_ten_digits() {
        assert!(InvoiceNumber::parse("0123456789").is_ok());
        assert!(InvoiceNumber::parse("012345678").is_err());
        assert!(InvoiceNumber::parse("01234567890").is_err());
    }

    #[test]
    fn console_password_is_fourteen_characters_and_never_debug_printed() {
        let p = ConsolePassword::generate();
        assert_eq!(p.expose().chars().count(), 14);
        assert!(p.expose().bytes().all(|b| PASSWORD_ALPHABET.contains(&b)));
        assert!(!format!("{p:?}").contains(p.expose()));
        assert!(ConsolePassword::parse("short").is_err());
        assert!(ConsolePassword::parse("abcdefg hijklm").is_err());
        assert!(ConsolePassword::parse(" abcdefghijklmn ").is_ok());
    }

    #[test]
    fn generated_numbers_parse_back() {
        for _ in 0..100 {
            let h = HostingNumber::generate();
            assert_eq!(HostingNumber::parse(h.as_str()).unwrap(), h);
            assert!(!h.as_str().starts_with('0'));
            assert!(InvoiceNumber::parse(InvoiceNumber::generate().as_str()).is_ok());
        }
    }

    #[test]
    fn domain_names_follow_the_rules_and_are_stored_lower_case() {
        assert_eq!(
            DomainName::parse("Lycee-Hugo.Example.FR.").unwrap().as_str(),
            "lycee-hugo.example.fr"
        );
        assert_eq!(DomainName::parse("localhost").unwrap().as_str(), "localhost");
        let long_label = "a".repeat(64);
        let too_long = vec!["abcdefghi"; 26].join(".");
        for bad in [
            "",
            " ",
            "a..b",
            ".a",
            "-a.b",
            "a-.b",
            "a_b.fr",
            "école.fr",
            "a b",
            long_label.as_str(),
            too_long.as_str(),
        ] {
            assert!(DomainName::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(DomainName::parse(&"a".repeat(63)).is_ok());
    }

    #[test]
    fn display_names_are_nfc_without_hidden_or_stacked_marks() {
        let what = ("A name", "Un nom");
        // "é" typed as e + combining acute becomes the one character é.
        assert_eq!(display_name(" Lyce\u{301}e ", 40, what).unwrap(), "Lycée");
        for bad in [
            "abc\u{202E}def",
            "a\u{200B}b",
            "x\u{301}\u{302}\u{303}",
            "\u{FEFF}Lycée",
            "a\tb",
            "",
        ] {
            assert_eq!(
                display_name(bad, 40, what).unwrap_err().code,
                crate::ErrorCode::InvalidInput,
                "{bad:?}"
            );
        }
        assert!(display_name("Zoë – Saint-Étienne (2ᵉ)", 40, what).is_ok());
        assert!(display_name(&"é".repeat(41), 40, what).is_err());
    }

    #[test]
    fn alphabet_has_no_look_alikes() {
        for c in b"0O1lIo" {
            assert!(!PASSWORD_ALPHABET.contains(c), "{}", *c as char);
        }
    }
}
