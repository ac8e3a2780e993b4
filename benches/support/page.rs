//! What the app-window benchmarks run inside the page, and how they print their figures.

/// A script that types `text` into the field `id` as a person would (one input event).
pub fn typed(id: &str, text: &str) -> String {
    format!(
        "const s = document.getElementById({id:?}); s.value = {text:?}; \
         s.dispatchEvent(new Event('input', {{ bubbles: true }}))"
    )
}

/// A script that clicks `id`.
pub fn click(id: &str) -> String {
    format!("document.getElementById({id:?}).click()")
}

/// Prints the median and the worst of `samples` (milliseconds).
pub fn report(name: &str, mut samples: Vec<f64>) {
    samples.sort_by(f64::total_cmp);
    println!(
        "{name:<58} n={:<3} median {:>7.1} ms   worst {:>7.1} ms",
        samples.len(),
        samples[samples.len() / 2],
        samples[samples.len() - 1]
    );
}
