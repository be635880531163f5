import Logging
import Testing
import AthCrypto
import AthTypes
import AthWorker

struct HardwareReportTests {
    @Test func probingThisMachineFindsCoresAndMemory() {
        let report = HardwareReport.probe(backend: "cpu-openblas")
        #expect(report.cores > 0)
        #expect(report.memoryMiB > 0)
        #expect(!report.cpu.isEmpty)
        #expect(report.backend == "cpu-openblas")
    }

    @Test func nvidiaSMILinesAreParsedAndMalformedOnesSkipped() {
        let csv = "NVIDIA H100 80GB HBM3, 81559\nNVIDIA H100 80GB HBM3, 81559\n\ngarbage\nNo, Memory\n, 5\n"
        #expect(HardwareReport.parseGPUs(csv) == [.init(model: "NVIDIA H100 80GB HBM3", memoryMiB: 81559),
                                                   .init(model: "NVIDIA H100 80GB HBM3", memoryMiB: 81559)])
    }

    @Test func procFilesAreParsed() {
        #expect(HardwareReport.parseCPUModel("processor\t: 0\nmodel name\t: AMD EPYC 9654 96-Core Processor\n") ==
                "AMD EPYC 9654 96-Core Processor")
        #expect(HardwareReport.parseCPUModel("processor\t: 0\nBogoMIPS\t: 50.00\n") == nil)
        #expect(HardwareReport.parseMemTotalMiB("MemTotal:       131891044 kB\nMemFree: 1 kB\n") == 128_799)
    }

    @Test func aGPUWorkerRegistersItsGPUs() {
        let report = HardwareReport(backend: "cuda", gpus: [.init(model: "NVIDIA H100", memoryMiB: 81559),
                                                            .init(model: "NVIDIA H100", memoryMiB: 81559)],
                                    cpu: "x", cores: 8, memoryMiB: 1 << 20)
        let r = report.registration
        #expect(r.gpuModel == "NVIDIA H100" && r.gpuCount == 2 && r.gpuMemoryGiB == 80)
    }

    @Test func aCPUWorkerRegistersAsOneCappedCPUDevice() {
        let report = HardwareReport(backend: "cpu-openblas", gpus: [.init(model: "unused GPU", memoryMiB: 1024)],
                                    cpu: String(repeating: "é", count: 40), cores: 8, memoryMiB: 512 * 1024)
        let r = report.registration
        #expect(r.gpuModel.hasPrefix("cpu:é") && r.gpuModel.utf8.count <= 64 && r.gpuModel.utf8.count >= 63)
        #expect(r.gpuCount == 1 && r.gpuMemoryGiB == HardwareReport.maxCPUMemoryGiB)
        let small = HardwareReport(backend: "cpu-openblas", gpus: [], cpu: "c", cores: 1, memoryMiB: 100)
        #expect(small.registration.gpuMemoryGiB == 1)
    }
}

struct BackendChoiceTests {
    static let logger = Logger(label: "test")
    static let spec = try! GemmSpec(m: 9, n: 17, k: 33, seed: Keccak256.hash(Array("backend choice".utf8)), rounds: 1)

    /// Whether this machine can run CUDA (the build machine cannot).
    static let cuda: Result<CUDABackend, ComputeError> = Result { () throws(ComputeError) in try CUDABackend() }

    @Test func autoUsesCUDAOnlyWhenItIsUsable() throws {
        let backend = try BackendChoice.auto.resolve(logger: Self.logger)
        switch Self.cuda {
        case .success: #expect(backend.name == "cuda")
        case .failure: #expect(backend.name == "cpu-openblas")
        }
        #expect(try backend.product(Self.spec) == Self.spec.referenceProduct())
    }

    @Test func cpuIsAlwaysTheCPU() throws {
        #expect(try BackendChoice.cpu.resolve(logger: Self.logger).name == "cpu-openblas")
    }

    @Test func cudaFailsWithAClearMessageWithoutCUDA() throws {
        switch Self.cuda {
        case .success(let backend):
            #expect(try backend.product(Self.spec) == Self.spec.referenceProduct())
        case .failure:
            do {
                _ = try BackendChoice.cuda.resolve(logger: Self.logger)
                Issue.record("resolving .cuda should fail on a machine without CUDA")
            } catch {
                #expect(error.description.contains("CUDA") || error.description.contains("cuBLAS"))
            }
        }
    }
}
