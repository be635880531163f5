/// Conformance runners (ethereum/tests fixtures).
public enum Conformance {}
