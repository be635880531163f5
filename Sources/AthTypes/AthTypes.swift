import AthPrimitives
import AthCrypto
/// Placeholder.
public enum AthTypesModule {}
