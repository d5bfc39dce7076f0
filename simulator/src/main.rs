fn main() {
    eprintln!("md-sim: not built yet");
}
