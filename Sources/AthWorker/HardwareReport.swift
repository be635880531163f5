import AthPrimitives
import Foundation

/// What the worker runs on, as `GET /hardware` reports it and as it
/// registers with Staking: the GPUs `nvidia-smi` lists, the CPU model, core
/// count and memory from `/proc`.
public struct HardwareReport: Sendable, Equatable {
    public struct GPU: Sendable, Equatable {
        public var model: String
        public var memoryMiB: Int

        public init(model: String, memoryMiB: Int) {
            self.model = model
            self.memoryMiB = memoryMiB
        }
    }

    /// The compute backend's name ("cpu-openblas", "cuda").
    public var backend: String
    public var gpus: [GPU]
    /// CPU model name ("unknown" when `/proc/cpuinfo` names none).
    public var cpu: String
    public var cores: Int
    /// Total RAM.
    public var memoryMiB: Int

    public init(backend: String, gpus: [GPU], cpu: String, cores: Int, memoryMiB: Int) {
        self.backend = backend
        self.gpus = gpus
        self.cpu = cpu
        self.cores = cores
        self.memoryMiB = memoryMiB
    }

    /// Looks at this machine; takes up to `nvidiaSMITimeout` when nvidia-smi hangs.
    public static func probe(backend: String, nvidiaSMITimeout: Duration = .seconds(5)) -> HardwareReport {
        let cpuinfo = readText("/proc/cpuinfo", limit: 1 << 20) ?? ""
        let meminfo = readText("/proc/meminfo", limit: 1 << 16) ?? ""
        let ramMiB = parseMemTotalMiB(meminfo) ?? Int(clamping: ProcessInfo.processInfo.physicalMemory >> 20)
        let gpus = NvidiaSMI.run(timeout: nvidiaSMITimeout).map(parseGPUs) ?? []
        return HardwareReport(backend: backend, gpus: gpus, cpu: parseCPUModel(cpuinfo) ?? "unknown",
                              cores: ProcessInfo.processInfo.activeProcessorCount, memoryMiB: ramMiB)
    }

    // MARK: Registration

    /// Bounds of `Staking.registerOperator` (Contracts/Staking.vy: String[64], at most 1024 GPUs).
    static let maxModelBytes = 64, maxGPUs = 1024
    /// The memory a CPU-only worker declares, at most: its RAM is not GPU
    /// memory, and staying under 24 GiB keeps it in the smallest stake class.
    public static let maxCPUMemoryGiB = 16

    /// The operator description to register: the GPUs when the backend runs
    /// on them, else `cpu:<model>` with one "device" and (capped) RAM.
    public var registration: (gpuModel: String, gpuCount: Int, gpuMemoryGiB: Int) {
        if backend == "cuda", let first = gpus.first {
            let smallest = gpus.map(\.memoryMiB).min() ?? first.memoryMiB
            return (Self.truncated(first.model, bytes: Self.maxModelBytes), min(gpus.count, Self.maxGPUs),
                    max(1, (smallest + 512) / 1024))
        }
        return (Self.truncated("cpu:" + cpu, bytes: Self.maxModelBytes), 1,
                min(Self.maxCPUMemoryGiB, max(1, memoryMiB / 1024)))
    }

    /// The longest prefix of `text` that is at most `bytes` UTF-8 bytes.
    static func truncated(_ text: String, bytes: Int) -> String {
        var out = "", used = 0
        for scalar in text.unicodeScalars {
            let size = UTF8.width(scalar)
            guard used + size <= bytes else { break }
            out.unicodeScalars.append(scalar)
            used += size
        }
        return out
    }

    // MARK: Parsing

    /// The first `model name` of /proc/cpuinfo (x86; most ARM kernels print none).
    public static func parseCPUModel(_ cpuinfo: String) -> String? {
        for line in cpuinfo.split(separator: "\n") where line.hasPrefix("model name") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if !name.isEmpty { return truncated(name, bytes: 256) }
        }
        return nil
    }

    /// `MemTotal:  131891044 kB` → MiB.
    public static func parseMemTotalMiB(_ meminfo: String) -> Int? {
        for line in meminfo.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kB = Int(fields[1]) else { return nil }
            return kB / 1024
        }
        return nil
    }

    /// Lines of `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits`:
    /// `NVIDIA H100 80GB HBM3, 81559`. Malformed lines are skipped.
    public static func parseGPUs(_ csv: String) -> [GPU] {
        var out: [GPU] = []
        for line in csv.split(whereSeparator: \.isNewline) where out.count < maxGPUs {
            guard let comma = line.lastIndex(of: ",") else { continue }
            let model = line[..<comma].trimmingCharacters(in: .whitespaces)
            guard !model.isEmpty, let mib = Int(line[line.index(after: comma)...].trimmingCharacters(in: .whitespaces)),
                  mib > 0 else { continue }
            out.append(GPU(model: truncated(model, bytes: 256), memoryMiB: mib))
        }
        return out
    }

    static func readText(_ path: String, limit: Int) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: limit) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Runs `nvidia-smi` for the GPU list, bounded in time and output.
enum NvidiaSMI {
    static let arguments = ["--query-gpu=name,memory.total", "--format=csv,noheader,nounits"]
    static let maxOutput = 1 << 16

    /// Its output, or nil when it is not installed, fails or takes longer than `timeout`.
    static func run(timeout: Duration) -> String? {
        guard let path = executablePath("nvidia-smi") else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do { try process.run() } catch { return nil }
        // Read while it runs, so a full pipe cannot stall it.
        let output = Locked<Data?>(nil)
        let read = DispatchSemaphore(value: 0)
        let reader = pipe.fileHandleForReading
        DispatchQueue.global().async {
            let data = try? reader.read(upToCount: maxOutput)
            output.withLock { $0 = data }
            read.signal()
        }
        guard exited.wait(timeout: .now() + timeout.seconds) == .success else {
            process.terminate()
            return nil
        }
        guard read.wait(timeout: .now() + 1) == .success, process.terminationStatus == 0 else { return nil }
        return output.withLock { $0 }.map { String(decoding: $0, as: UTF8.self) }
    }

    /// The first `name` in $PATH that is an executable file.
    static func executablePath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
