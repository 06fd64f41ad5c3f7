//! Asking for secrets: without echo on a terminal (`rpassword`), else one line of standard input per answer, so
//! scripts and tests can pipe them in.

use std::io::{BufRead, IsTerminal};

/// Where answers to prompts come from.
#[derive(Debug)]
pub struct Prompter {
    terminal: bool,
}

impl Default for Prompter {
    fn default() -> Self {
        Prompter::new()
    }
}

impl Prompter {
    /// Asks on the terminal when standard input is one, else reads standard input.
    pub fn new() -> Prompter {
        Prompter {
            terminal: std::io::stdin().is_terminal(),
        }
    }

    /// One secret: typed without echo after `prompt` on a terminal, else the next line of standard input
    /// (without its line end). An error when standard input has ended.
    pub fn secret(&mut self, prompt: &str) -> anyhow::Result<String> {
        if self.terminal {
            return rpassword::prompt_password(prompt)
                .map_err(|e| anyhow::anyhow!("reading the answer to {prompt:?}: {e}"));
        }
        let mut line = String::new();
        let read = std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| anyhow::anyhow!("reading standard input: {e}"))?;
        if read == 0 {
            anyhow::bail!(
                "{} no answer: standard input has ended",
                prompt.trim_end().trim_end_matches(':')
            );
        }
        let trimmed = line.strip_suffix('\n').unwrap_or(&line);
        Ok(trimmed.strip_suffix('\r').unwrap_or(trimmed).to_string())
    }

    /// A new password, asked twice; an error when the two differ or it is empty.
    pub fn new_password(&mut self, whose: &str) -> anyhow::Result<String> {
        let first = self.secret(&format!("New password for {whose}: "))?;
        let second = self.secret(&format!("Retype the new password for {whose}: "))?;
        if first != second {
            anyhow::bail!("the two new passwords differ; nothing was changed");
        }
        if first.is_empty() {
            anyhow::bail!("the new password is empty; nothing was changed");
        }
        Ok(first)
    }
}
