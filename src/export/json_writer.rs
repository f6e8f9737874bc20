//! A small pretty-printing JSON writer for the exports. Building `serde_json::Value` trees with `json!` compiles
//! to several times more page weight than writing the text directly.

use std::fmt::Write as _;

/// Writes one JSON document, two-space indented.
#[derive(Default)]
pub struct JsonWriter {
    out: String,
    depth: usize,
    /// True when the next value in the current container needs a comma first.
    comma: bool,
    /// True right after a key, where the value follows on the same line.
    after_key: bool,
}

impl JsonWriter {
    /// The finished text, with a final newline.
    pub fn finish(mut self) -> String {
        self.out.push('\n');
        self.out
    }

    fn before_value(&mut self) {
        if self.after_key {
            self.after_key = false;
            return;
        }
        if self.comma {
            self.out.push(',');
        }
        if self.depth > 0 {
            self.newline();
        }
    }

    fn newline(&mut self) {
        self.out.push('\n');
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn open(&mut self, bracket: char) -> &mut Self {
        self.before_value();
        self.out.push(bracket);
        self.depth += 1;
        self.comma = false;
        self
    }

    fn close(&mut self, bracket: char) -> &mut Self {
        self.depth -= 1;
        if self.comma {
            self.newline();
        }
        self.out.push(bracket);
        self.comma = true;
        self
    }

    /// `{`.
    pub fn object(&mut self) -> &mut Self {
        self.open('{')
    }

    /// `}`.
    pub fn end_object(&mut self) -> &mut Self {
        self.close('}')
    }

    /// `[`.
    pub fn array(&mut self) -> &mut Self {
        self.open('[')
    }

    /// `]`.
    pub fn end_array(&mut self) -> &mut Self {
        self.close(']')
    }

    /// A key in the current object; its value is written next.
    pub fn key(&mut self, key: &str) -> &mut Self {
        self.before_value();
        self.quote(key);
        self.out.push_str(": ");
        self.after_key = true;
        self.comma = true;
        self
    }

    /// A string value.
    pub fn string(&mut self, value: &str) -> &mut Self {
        self.before_value();
        self.quote(value);
        self.comma = true;
        self
    }

    /// A number value (integers and one-decimal scores).
    pub fn number(&mut self, value: f64) -> &mut Self {
        self.before_value();
        if value.fract() == 0.0 && value.abs() < 1e15 {
            let _ = write!(self.out, "{}", value as i64);
        } else {
            let _ = write!(self.out, "{value:.1}");
        }
        self.comma = true;
        self
    }

    /// `"key": "value"`.
    pub fn field(&mut self, key: &str, value: &str) -> &mut Self {
        self.key(key).string(value)
    }

    /// `"key": ["a", "b"]`.
    pub fn strings(&mut self, key: &str, values: &[String]) -> &mut Self {
        self.key(key).array();
        for value in values {
            self.string(value);
        }
        self.end_array()
    }

    fn quote(&mut self, text: &str) {
        self.out.push('"');
        for c in text.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\n' => self.out.push_str("\\n"),
                '\r' => self.out.push_str("\\r"),
                '\t' => self.out.push_str("\\t"),
                c if u32::from(c) < 0x20 => {
                    let _ = write!(self.out, "\\u{:04x}", u32::from(c));
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_valid_indented_json_with_escapes() {
        let mut json = JsonWriter::default();
        json.object().field("a", "quote \" slash \\ line\n tab\t bell\u{7}").key("n").number(9.8);
        json.key("i").number(3.0).strings("list", &["x".into(), "y".into()]).strings("empty", &[]);
        json.key("nested").object().key("deep").array().object().end_object().end_array().end_object();
        json.end_object();
        let text = json.finish();
        let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(value["a"], "quote \" slash \\ line\n tab\t bell\u{7}");
        assert_eq!((value["n"].as_f64(), value["i"].as_i64()), (Some(9.8), Some(3)));
        assert_eq!(value["list"], serde_json::json!(["x", "y"]));
        assert_eq!(value["nested"]["deep"], serde_json::json!([{}]));
        assert!(text.starts_with("{\n  \"a\": "), "{text}");
        assert!(text.contains("\"empty\": []"), "{text}");
    }
}
