import AthCrypto
import AthPrimitives
import Foundation

/// What the service executables (`ath-worker`, `ath-checker`) share on
/// their command lines: the signing key, and running until a signal.
public enum ServiceProcess {
    /// The 0x-hex 32-byte private key in the file at `path` (the format of
    /// `ath --private-key-file`).
    public static func readKeyFile(_ path: String) throws(ChainClientError) -> Secp256k1PrivateKey {
        let bytes: [UInt8]
        do { bytes = try KeyStore.readFile(path, limit: 4096) } catch { throw ChainClientError("cannot read \(path): \(error)") }
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        do { return try Secp256k1PrivateKey(try Hex.decode(text, count: 32)) } catch {
            throw ChainClientError("\(path) does not hold a 0x-hex 32-byte private key: \(error)")
        }
    }

    /// The key from `--private-key-file PATH` or `--dev-account I` (exactly one).
    public static func key(privateKeyFile: String?, devAccount: Int?, role: String) throws(ChainClientError) -> Secp256k1PrivateKey {
        switch (privateKeyFile, devAccount) {
        case (let path?, nil): return try readKeyFile(path)
        case (nil, let i?):
            guard (0...9_999).contains(i) else { throw ChainClientError("--dev-account must lie in 0...9999") }
            return DevAccounts.key(i)
        case (nil, nil): throw ChainClientError("give the \(role) key with --private-key-file PATH (or --dev-account I on a dev chain)")
        case (.some, .some): throw ChainClientError("give either --private-key-file or --dev-account, not both")
        }
    }

    /// Blocks until SIGINT or SIGTERM.
    public static func waitForTermination() {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let received = DispatchSemaphore(value: 0)
        let sources = [SIGINT, SIGTERM].map { sig in
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { received.signal() }
            source.resume()
            return source
        }
        received.wait()
        for source in sources { source.cancel() }
    }
}
