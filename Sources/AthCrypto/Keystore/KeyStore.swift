import AthPrimitives
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A directory of native keystore files, one per account, named
/// `<lower-case address>.json`, created with mode 0600 inside a 0700
/// directory. Writes go to a temporary file that is fsync'd and renamed,
/// so a crash never leaves a half-written key.
public struct KeyStore: Sendable {
    public let directory: String

    /// One stored key: its address and file.
    public struct Entry: Sendable, Equatable {
        public var address: Address
        public var path: String
    }

    public init(directory: String) {
        self.directory = directory
    }

    /// The keystore under a node home directory (`<home>/keystore`).
    public init(home: String) {
        self.init(directory: (home as NSString).appendingPathComponent("keystore"))
    }

    /// The default home: `$ATH_HOME`, else `~/.ath`.
    public static var defaultHome: String {
        if let env = ProcessInfo.processInfo.environment["ATH_HOME"], !env.isEmpty { return env }
        return (NSHomeDirectory() as NSString).appendingPathComponent(".ath")
    }

    private func path(for address: Address) -> String {
        (directory as NSString).appendingPathComponent(Hex.encode(address.bytes, prefix: false) + ".json")
    }

    /// Every key in the directory, sorted by address. Files that are not
    /// native keystores are skipped.
    public func list() throws(KeystoreError) -> [Entry] {
        guard FileManager.default.fileExists(atPath: directory) else { return [] }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw .io("cannot read keystore directory \(directory): \(error.localizedDescription)")
        }
        var entries: [Entry] = []
        for name in names where name.hasSuffix(".json") {
            let p = (directory as NSString).appendingPathComponent(name)
            guard let bytes = try? Self.readFile(p), let address = try? NativeKeystore.address(of: bytes) else { continue }
            entries.append(Entry(address: address, path: p))
        }
        return entries.sorted { $0.address < $1.address }
    }

    /// The stored file for `address`.
    public func entry(for address: Address) throws(KeystoreError) -> Entry {
        let p = path(for: address)
        guard FileManager.default.fileExists(atPath: p) else { throw .notFound(address.checksummed) }
        return Entry(address: address, path: p)
    }

    /// Seals `key` under `password` and stores it. Refuses to overwrite.
    @discardableResult
    public func store(_ key: Secp256k1PrivateKey, password: String,
                      strength: NativeKeystore.Strength = .moderate) throws(KeystoreError) -> Entry {
        let address = key.address
        let p = path(for: address)
        if FileManager.default.fileExists(atPath: p) { throw .alreadyExists(address.checksummed) }
        let doc = try NativeKeystore.encrypt(key, password: password, strength: strength)
        try ensureDirectory()
        try Self.writeFile(doc, to: p)
        return Entry(address: address, path: p)
    }

    /// Opens the key for `address`.
    public func load(_ address: Address, password: String) throws(KeystoreError) -> Secp256k1PrivateKey {
        let e = try entry(for: address)
        return try NativeKeystore.decrypt(try Self.readFile(e.path), password: password)
    }

    /// Deletes the key for `address` after proving the password opens it.
    public func delete(_ address: Address, password: String) throws(KeystoreError) {
        let e = try entry(for: address)
        _ = try NativeKeystore.decrypt(try Self.readFile(e.path), password: password)
        guard unlink(e.path) == 0 else { throw .io("cannot delete \(e.path): \(String(cString: strerror(errno)))") }
    }

    private func ensureDirectory() throws(KeystoreError) {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDir) {
            guard isDir.boolValue else { throw .io("\(directory) exists and is not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw .io("cannot create keystore directory \(directory): \(error.localizedDescription)")
        }
    }

    /// Writes `bytes` to a new file at `path` with mode 0600: to a temporary
    /// file first, fsync'd, then renamed into place. Refuses to overwrite.
    public static func writeFile(_ bytes: [UInt8], to path: String) throws(KeystoreError) {
        if FileManager.default.fileExists(atPath: path) { throw .io("\(path) already exists; refusing to overwrite it") }
        let tmp = path + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw .io("cannot create \(tmp): \(String(cString: strerror(errno)))") }
        var ok = bytes.withUnsafeBytes { buf -> Bool in
            var off = 0
            while off < buf.count {
                let n = write(fd, buf.baseAddress! + off, buf.count - off)
                if n <= 0 { return false }
                off += n
            }
            return true
        }
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok, rename(tmp, path) == 0 else {
            unlink(tmp)
            throw .io("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        // Make the rename durable too.
        let dfd = open((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent, O_RDONLY)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }
}

extension KeyStore {
/// Reads a whole file, refusing anything larger than `limit`.
public static func readFile(_ path: String, limit: Int = 1 << 20) throws(KeystoreError) -> [UInt8] {
    guard let handle = FileHandle(forReadingAtPath: path) else { throw .io("cannot open \(path)") }
    defer { try? handle.close() }
    let data: Data
    do { data = try handle.read(upToCount: limit + 1) ?? Data() } catch {
        throw .io("cannot read \(path): \(error.localizedDescription)")
    }
    guard data.count <= limit else { throw .io("\(path) is larger than \(limit) bytes") }
    return Array(data)
}
}
