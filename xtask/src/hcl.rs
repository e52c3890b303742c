//! A writer for `terraform fmt`-style HCL: two-space indentation, `=` aligned across
//! consecutive one-line attributes.

pub struct Hcl {
    out: String,
    depth: usize,
    pending: Vec<(String, String)>,
}

/// A quoted HCL string (interpolations `${…}` are kept).
pub fn q(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A one-line list of quoted strings.
pub fn ql(items: &[&str]) -> String {
    let v: Vec<String> = items.iter().map(|i| q(i)).collect();
    format!("[{}]", v.join(", "))
}

impl Hcl {
    pub fn new() -> Hcl {
        Hcl {
            out: String::new(),
            depth: 0,
            pending: Vec::new(),
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let width = self.pending.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (k, v) in std::mem::take(&mut self.pending) {
            self.indent();
            self.out.push_str(&format!("{k:<width$} = {v}\n"));
        }
    }

    /// `key = value` on one line.
    pub fn a(&mut self, k: &str, v: impl AsRef<str>) -> &mut Hcl {
        self.pending.push((k.to_string(), v.as_ref().to_string()));
        self
    }

    /// `key = "value"`.
    pub fn s(&mut self, k: &str, v: &str) -> &mut Hcl {
        self.a(k, q(v))
    }

    /// `TEXT{` and one level deeper (`TEXT` includes any trailing space).
    pub fn open(&mut self, text: &str) {
        self.flush();
        self.indent();
        self.out.push_str(text);
        self.out.push_str("{\n");
        self.depth += 1;
    }

    /// `TEXT[` and one level deeper.
    pub fn open_list(&mut self, text: &str) {
        self.flush();
        self.indent();
        self.out.push_str(text);
        self.out.push_str("[\n");
        self.depth += 1;
    }

    /// `resource "TYPE" "NAME" {`.
    pub fn block(&mut self, header: &str) {
        self.open(&format!("{header} "));
    }

    pub fn close(&mut self) {
        self.close_with("}", "");
    }

    /// Closing bracket plus a suffix (`})`, `},`, `]`).
    pub fn close_with(&mut self, bracket: &str, suffix: &str) {
        self.flush();
        self.depth -= 1;
        self.indent();
        self.out.push_str(bracket);
        self.out.push_str(suffix);
        self.out.push('\n');
    }

    pub fn blank(&mut self) {
        self.flush();
        self.out.push('\n');
    }

    pub fn comment(&mut self, c: &str) {
        self.flush();
        self.indent();
        self.out.push_str("# ");
        self.out.push_str(c);
        self.out.push('\n');
    }

    /// Lines written as they are, each indented to the current depth.
    pub fn raw(&mut self, text: &str) {
        self.flush();
        for line in text.lines() {
            if !line.is_empty() {
                self.indent();
            }
            self.out.push_str(line);
            self.out.push('\n');
        }
    }

    /// `key = <<-EOT` heredoc (`indented`: `<<-`, body indented) or `<<EOF` (body at column 0).
    pub fn heredoc(&mut self, k: &str, marker: &str, body: &str, indented: bool) {
        self.flush();
        self.indent();
        self.out.push_str(&format!(
            "{k} = <<{}{marker}\n",
            if indented { "-" } else { "" }
        ));
        for line in body.lines() {
            if indented && !line.is_empty() {
                for _ in 0..=self.depth {
                    self.out.push_str("  ");
                }
            }
            self.out.push_str(line);
            self.out.push('\n');
        }
        if indented {
            self.indent();
        }
        self.out.push_str(marker);
        self.out.push('\n');
    }

    pub fn finish(mut self) -> String {
        self.flush();
        self.out
    }
}
