import AthCrypto
import AthPrimitives
import AthRPC
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

    /// The key from `--from ADDRESS` (the keystore of `--home`, unlocked
    /// with the first line of `--password-file`), `--private-key-file PATH`
    /// or `--dev-account I`: exactly one of them.
    public static func key(from: String? = nil, home: String? = nil, passwordFile: String? = nil,
                           privateKeyFile: String?, devAccount: Int?, role: String) throws(ChainClientError) -> Secp256k1PrivateKey {
        let given = [from != nil, privateKeyFile != nil, devAccount != nil].filter { $0 }.count
        guard given == 1 else {
            if given == 0 {
                throw ChainClientError("give the \(role) key: --from ADDRESS (keystore, with --password-file), "
                    + "--private-key-file PATH, or --dev-account I on a dev chain")
            }
            throw ChainClientError("give one of --from, --private-key-file and --dev-account, not several")
        }
        if passwordFile != nil && from == nil { throw ChainClientError("--password-file goes with --from (a keystore account)") }
        if let from {
            let address: Address
            do { address = try Address(hex: from) } catch { throw ChainClientError("--from \(from.prefix(64)) is not an address: \(error)") }
            guard let passwordFile else {
                throw ChainClientError("--from needs --password-file: a service reads its keystore password from a file")
            }
            let bytes: [UInt8]
            do { bytes = try KeyStore.readFile(passwordFile, limit: 4096) } catch {
                throw ChainClientError("cannot read password file \(passwordFile): \(error)")
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let password = String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
                .trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
            let store = KeyStore(home: home ?? KeyStore.defaultHome)
            do { return try store.load(address, password: password) } catch {
                throw ChainClientError("cannot unlock \(address.checksummed) in \(store.directory): \(error)")
            }
        }
        if let path = privateKeyFile { return try readKeyFile(path) }
        let i = devAccount!
        guard (0...9_999).contains(i) else { throw ChainClientError("--dev-account must lie in 0...9999") }
        return DevAccounts.key(i)
    }

    /// Serves `GET /metrics` of a new registry on 127.0.0.1:`port` (0 picks
    /// a free port); the registry, and the port bound.
    public static func serveMetrics(port: Int) throws(ChainClientError) -> (MetricsRegistry, Int) {
        guard (0...65535).contains(port) else { throw ChainClientError("--metrics-port must lie in 0...65535") }
        let registry = MetricsRegistry()
        let server = MetricsServer(host: "127.0.0.1", port: port, registry: registry)
        let done = DispatchSemaphore(value: 0)
        let failure = Locked<String?>(nil)
        Task {
            do { try await server.start() } catch { failure.withLock { $0 = "\(error)" } }
            done.signal()
        }
        done.wait()
        if let why = failure.withLock({ $0 }) {
            throw ChainClientError("cannot serve metrics on 127.0.0.1:\(port): \(why); choose another with --metrics-port")
        }
        Self.keep(server)
        return (registry, server.port ?? port)
    }

    /// Keeps `server` for the life of the process.
    private static let kept = Locked<[MetricsServer]>([])
    private static func keep(_ server: MetricsServer) { kept.withLock { $0.append(server) } }

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
