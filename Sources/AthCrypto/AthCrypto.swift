import AthPrimitives
/// Placeholder.
public enum AthCryptoModule {}
