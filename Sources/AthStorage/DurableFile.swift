import Foundation

/// Why a durable file operation failed: the path and the system's reason.
public struct FileError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) { self.path = path; self.reason = reason }
    public var description: String { "\(path): \(reason)" }

    static func errno(_ path: String, _ what: String) -> FileError {
        FileError(path: path, reason: "\(what): \(String(cString: strerror(Foundation.errno)))")
    }
}

/// Small files that must survive a crash at any instant.
public enum DurableFile {
    /// Replaces `path` with `bytes`: a temporary file is written and fsync'd,
    /// renamed over `path`, and the directory fsync'd, so a crash leaves
    /// either the old file or the whole new one.
    public static func replace(_ path: String, with bytes: [UInt8], mode: mode_t = 0o600) throws(FileError) {
        let tmp = path + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .errno(path, "cannot create a temporary file") }
        let written = writeAll(fd, bytes) && fsync(fd) == 0
        close(fd)
        guard written else {
            let error = FileError.errno(path, "cannot write")
            unlink(tmp)
            throw error
        }
        guard rename(tmp, path) == 0 else {
            let error = FileError.errno(path, "cannot rename the temporary file into place")
            unlink(tmp)
            throw error
        }
        try syncDirectory(of: path)
    }

    /// The whole file, or nil if it does not exist; `limit` bounds what is read.
    public static func read(_ path: String, limit: Int) throws(FileError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw .errno(path, "cannot open")
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 { throw .errno(path, "cannot read") }
            if n == 0 { return out }
            guard out.count + n <= limit else { throw FileError(path: path, reason: "larger than \(limit) bytes") }
            out.append(contentsOf: chunk[0..<n])
        }
    }

    /// Makes a rename or a new file in `path`'s directory durable.
    public static func syncDirectory(of path: String) throws(FileError) {
        let dir = (path as NSString).deletingLastPathComponent
        let dfd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dfd >= 0 else { throw .errno(dir, "cannot open the directory") }
        defer { close(dfd) }
        guard fsync(dfd) == 0 else { throw .errno(dir, "cannot sync the directory") }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { b -> Bool in
            var off = 0
            while off < b.count {
                let n = Foundation.write(fd, b.baseAddress! + off, b.count - off)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                off += n
            }
            return true
        }
    }
}
