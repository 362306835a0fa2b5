fn main() -> std::process::ExitCode {
    zjtx::cli::main()
}
