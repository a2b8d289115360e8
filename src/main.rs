//! The `mjconform` command. Everything it does lives in the library
//! (`src/commands/command_line.rs`), so the binary is this one call.

fn main() -> std::process::ExitCode {
    mjconform::command_line_main()
}
