import AthPrimitives
/// Placeholder until the trie lands.
enum AthTriePlaceholder {}
