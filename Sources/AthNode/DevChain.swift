import AthPrimitives
import AthCrypto

/// The development chain `athd dev` runs with no configuration.
public enum DevChain {
    /// The embedded copy of `Genesis/devnet.json` (a test keeps the two identical).
    public static let genesisJSON = #"""
{
  "comment": "ATH devnet: one validator, prefunded dev accounts whose keys athd dev prints (key i = keccak256(\"ath devnet account i\")). Never use these keys on a real network.",
  "chainId": 7331,
  "timestamp": 1767225600,
  "gasLimit": 30000000,
  "baseFeePerGas": "1000000000",
  "minBaseFeePerGas": "1000000000",
  "extraData": "0x",
  "alloc": {
    "0x66f57356ecceed2abaa88b542cffa4f90fb06c8b": {
      "balance": "10000000000000000000000"
    },
    "0x8e73f2af5dc4119224f7b96bb2395acdb0793188": {
      "balance": "10000000000000000000000"
    },
    "0xdd6af04988919b4525c28205f3e49fc279ec2d16": {
      "balance": "10000000000000000000000"
    },
    "0x66d1e712e2fe7e87c4f867ffc2ae68e2154fec36": {
      "balance": "10000000000000000000000"
    },
    "0x807039a97059831692a6584de0e5b3c81484d37b": {
      "balance": "10000000000000000000000"
    },
    "0x1e421836a07253a43e9a539a17b56c9368fc50b5": {
      "balance": "10000000000000000000000"
    },
    "0x35c478a34ab12a47fdb5f6e7f44d34f49f997e44": {
      "balance": "10000000000000000000000"
    },
    "0xff1bbb40c53e70f466bd008cd184792331062844": {
      "balance": "10000000000000000000000"
    },
    "0x9721a996aaf01578d676c3d737129efbae58c706": {
      "balance": "10000000000000000000000"
    },
    "0x7ec50e1ca3127b3a7116b5c9a020c24f3ace4613": {
      "balance": "10000000000000000000000"
    }
  }
}
"""#

    /// The well-known development keys: key i = keccak256("ath devnet account i").
    /// Public by design, like anvil's: never use them on a real network.
    public static func accounts(count: Int = 10) -> [(key: Secp256k1PrivateKey, address: Address)] {
        (0..<count).map { i in
            let key = try! Secp256k1PrivateKey(Keccak256.hash(Array("ath devnet account \(i)".utf8)).bytes)
            return (key, key.address)
        }
    }
}
