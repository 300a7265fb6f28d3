//! The emulator's idea of a shell: split a command line into commands and words the way a
//! POSIX shell would, so that an unquoted `;` really does start a second command (and a test
//! can see it), while a quoted one is just text.

/// Splits a line into commands (at unquoted `;`, `&&`, `||`, `|`, `&`, newlines), each a list
/// of words with quotes removed. An unquoted `` `…` `` or `$(…)` is run as a command of its own,
/// as a shell would substitute it.
pub fn split(line: &str) -> Result<Vec<Vec<String>>, String> {
    let mut commands = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    let end_word = |word: &mut String, in_word: &mut bool, words: &mut Vec<String>| {
        if *in_word {
            words.push(std::mem::take(word));
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => word.push(ch),
                        None => return Err("unterminated quoted string".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(ch @ ('"' | '\\' | '$' | '`')) => word.push(ch),
                            Some(ch) => {
                                word.push('\\');
                                word.push(ch);
                            }
                            None => return Err("unterminated quoted string".into()),
                        },
                        Some(ch @ ('$' | '`')) => {
                            return Err(format!(
                                "substitution with {ch} inside double quotes is not emulated"
                            ))
                        }
                        Some(ch) => word.push(ch),
                        None => return Err("unterminated quoted string".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(ch) = chars.next() {
                    word.push(ch);
                }
            }
            '`' => {
                let inner: String = chars.by_ref().take_while(|&ch| ch != '`').collect();
                commands.extend(split(&inner)?);
                in_word = true;
            }
            '$' if chars.peek() == Some(&'(') => {
                chars.next();
                let inner: String = chars.by_ref().take_while(|&ch| ch != ')').collect();
                commands.extend(split(&inner)?);
                in_word = true;
            }
            ';' | '&' | '|' | '\n' => {
                if matches!(chars.peek(), Some('&' | '|')) {
                    chars.next();
                }
                end_word(&mut word, &mut in_word, &mut words);
                if !words.is_empty() {
                    commands.push(std::mem::take(&mut words));
                }
            }
            c if c.is_whitespace() => end_word(&mut word, &mut in_word, &mut words),
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    end_word(&mut word, &mut in_word, &mut words);
    if !words.is_empty() {
        commands.push(words);
    }
    Ok(commands)
}

/// esxcli's option syntax: `-x value`, `--long=value`, `--long value`, flags without values.
#[derive(Debug, Default)]
pub struct Opts {
    values: Vec<(&'static str, Option<String>)>,
}

/// One option a command accepts.
#[derive(Clone, Copy, Debug)]
pub struct OptSpec {
    /// Short letter.
    pub short: char,
    /// Long name.
    pub long: &'static str,
    /// Whether it takes a value.
    pub value: bool,
}

/// An option that takes a value.
pub const fn val(short: char, long: &'static str) -> OptSpec {
    OptSpec {
        short,
        long,
        value: true,
    }
}

/// A flag.
pub const fn flag(short: char, long: &'static str) -> OptSpec {
    OptSpec {
        short,
        long,
        value: false,
    }
}

impl Opts {
    /// Parses `args` against `spec`; the error is esxcli's message (without `Error: `).
    pub fn parse(args: &[String], spec: &[OptSpec]) -> Result<Self, String> {
        let mut opts = Self::default();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let (found, inline) = if let Some(long) = arg.strip_prefix("--") {
                let (name, inline) = match long.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_string())),
                    None => (long, None),
                };
                (spec.iter().find(|s| s.long == name), inline)
            } else if let Some(short) = arg.strip_prefix('-').filter(|s| s.chars().count() == 1) {
                (spec.iter().find(|s| short.starts_with(s.short)), None)
            } else {
                (None, None)
            };
            let Some(found) = found else {
                return Err(format!("Invalid option {arg}"));
            };
            if opts.values.iter().any(|(l, _)| *l == found.long) {
                return Err(format!("Duplicated option {arg}"));
            }
            let value = if found.value {
                match inline {
                    Some(v) => Some(v),
                    None => Some(it.next().cloned().ok_or_else(|| {
                        format!(
                            "Missing required parameter -{}|--{}",
                            found.short, found.long
                        )
                    })?),
                }
            } else {
                None
            };
            opts.values.push((found.long, value));
        }
        Ok(opts)
    }

    /// The value of an option.
    pub fn get(&self, long: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(l, _)| *l == long)
            .and_then(|(_, v)| v.as_deref())
    }

    /// Whether a flag (or option) was given.
    pub fn has(&self, long: &str) -> bool {
        self.values.iter().any(|(l, _)| *l == long)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn quoted_separators_are_text_unquoted_ones_split() {
        assert_eq!(
            split("esxcli storage vmfs snapshot mount -l 'RP1; reboot'").unwrap(),
            vec![words(&[
                "esxcli",
                "storage",
                "vmfs",
                "snapshot",
                "mount",
                "-l",
                "RP1; reboot"
            ])]
        );
        assert_eq!(
            split("mount -l RP1; reboot").unwrap(),
            vec![words(&["mount", "-l", "RP1"]), words(&["reboot"])]
        );
        assert_eq!(
            split(r"echo 'it'\''s'").unwrap(),
            vec![words(&["echo", "it's"])]
        );
        assert_eq!(
            split("ls $(reboot)").unwrap(),
            vec![words(&["reboot"]), words(&["ls", ""])]
        );
        assert!(split("echo 'open").is_err());
    }

    #[test]
    fn esxcli_options() {
        let spec = [val('l', "volume-label"), flag('n', "no-persist")];
        let o = Opts::parse(&words(&["-n", "--volume-label=RP1"]), &spec).unwrap();
        assert_eq!(o.get("volume-label"), Some("RP1"));
        assert!(o.has("no-persist"));
        let e = Opts::parse(&words(&["-z"]), &spec).unwrap_err();
        assert_eq!(e, "Invalid option -z");
        assert!(Opts::parse(&words(&["-l"]), &spec).is_err());
    }
}
