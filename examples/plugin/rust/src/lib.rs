wit_bindgen::generate!({
    path: "../wit",
    world: "plugin",
});

use example::plugin::host::log;
use exports::example::plugin::text::{Guest, Stats};

struct Plugin;

impl Guest for Plugin {
    fn analyze(text: String) -> Stats {
        let words: Vec<&str> = text.split_whitespace().collect();
        let mut longest = "";
        for word in &words {
            if word.chars().count() > longest.chars().count() {
                longest = word;
            }
        }
        log(&format!("analyze: {} words", words.len()));
        Stats {
            words: words.len() as u32,
            chars: text.chars().count() as u32,
            longest: longest.to_string(),
        }
    }

    fn shout(text: String) -> Result<String, String> {
        if text.is_empty() {
            return Err("nothing to shout".to_string());
        }
        Ok(text.to_ascii_uppercase())
    }
}

export!(Plugin);
