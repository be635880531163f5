import AthEVM
/// Placeholder until transaction execution lands.
enum AthExecutionPlaceholder {}
