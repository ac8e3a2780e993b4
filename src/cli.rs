//! What the two command-line programs share: output as text or JSON, and errors as `error[code]: message` with a
//! non-zero exit.

use crate::error::Error;
use serde::Serialize;

static LANGUAGE: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();

/// Fixes the language of a program whose results are written in one language only (the provider's
/// `planhost-controller`): its errors then use it too. Call before anything is printed.
pub fn use_language(language: &'static str) {
    let _ = LANGUAGE.set(language);
}

/// The language of every result and error of this run: from `LANG`/`LC_ALL` (French unless it says otherwise, like
/// the console), or what `use_language` fixed.
pub fn language() -> &'static str {
    LANGUAGE.get_or_init(language_from_env)
}

/// Picks the French or the English text, in this run's language.
pub fn tr<'a>(en: &'a str, fr: &'a str) -> &'a str {
    if language() == "fr" {
        fr
    } else {
        en
    }
}

fn language_from_env() -> &'static str {
    let lang = std::env::var("LC_ALL")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("LANG").ok())
        .unwrap_or_default();
    if lang.is_empty() || lang.starts_with("fr") || lang == "C" || lang.starts_with("C.") || lang == "POSIX" {
        "fr"
    } else {
        "en"
    }
}

/// Prints a value: pretty JSON with `--json`, else the given text.
/// A reader that went away (`planhost … | head`) ends the output, not the program with a panic.
pub fn print<T: Serialize>(json: bool, value: &T, text: impl FnOnce(&T) -> String) {
    use std::io::Write;
    let out = if json {
        serde_json::to_string_pretty(value).unwrap_or_default()
    } else {
        text(value)
    };
    let _ = writeln!(std::io::stdout(), "{out}");
}

/// Prints an error (JSON on stdout with `--json`, else text on stderr) and exits with status 1.
pub fn fail(json: bool, e: &Error) -> ! {
    if json {
        println!("{}", serde_json::to_string_pretty(e).unwrap_or_default());
    } else {
        eprintln!(
            "error[{}]: {}",
            serde_json::to_value(e.code)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            e.localized(language())
        );
    }
    std::process::exit(1)
}

/// Logs to stderr, quiet unless `RUST_LOG` says otherwise. Never logs secrets: none reach tracing calls.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
