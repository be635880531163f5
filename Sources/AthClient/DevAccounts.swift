import AthCrypto
import AthPrimitives

/// The well-known development keys of `athd dev`: key i = keccak256("ath
/// devnet account i"). Public by design, like anvil's: never use them on a
/// real network.
public enum DevAccounts {
    public static let funded = 10

    public static func key(_ i: Int) -> Secp256k1PrivateKey {
        try! Secp256k1PrivateKey(Keccak256.hash(Array("ath devnet account \(i)".utf8)).bytes)
    }
}
