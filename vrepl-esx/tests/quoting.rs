//! Whatever text a caller passes, it reaches the host's shell as exactly one word.

use proptest::prelude::*;
use vrepl_esx::esxcli::CommandLine;
use vrepl_esx::sim::shell;

proptest! {
    #[test]
    fn any_argument_is_one_word_on_the_host(arg in "[ -~\t]{0,40}", lead in "[a-z]{1,8}") {
        let line = CommandLine::new(&["esxcli", "storage", "vmfs", "snapshot", "mount"])
            .flag("-l")
            .arg(&arg);
        let commands = shell::split(line.as_str()).expect("a well-formed line");
        prop_assert_eq!(commands.len(), 1, "{}", line);
        prop_assert_eq!(commands[0].last().unwrap(), &arg);
        let line = CommandLine::new(&["ls"]).arg(format!("/vmfs/volumes/{lead}/{arg}"));
        let commands = shell::split(line.as_str()).expect("a well-formed line");
        prop_assert_eq!(commands.len(), 1);
        prop_assert_eq!(commands[0].len(), 2);
    }
}
