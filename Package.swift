// swift-tools-version:6.0
import PackageDescription

// Module graph (see ARCHITECTURE.md): dependencies point down the list.
// CSecp256k1, CSodium, CLMDB, COpenBLAS → AthPrimitives → AthCrypto → AthTypes → …
let package = Package(
    name: "ath",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ath", targets: ["ath"]),
        .executable(name: "athd", targets: ["athd"]),
        .executable(name: "ath-worker", targets: ["ath-worker"]),
        .executable(name: "ath-checker", targets: ["ath-checker"]),
        .library(name: "AthPrimitives", targets: ["AthPrimitives"]),
        .library(name: "AthCrypto", targets: ["AthCrypto"]),
        .library(name: "AthTypes", targets: ["AthTypes"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
    ],
    targets: [
        // System libraries from Debian, located through pkg-config.
        .systemLibrary(name: "CSecp256k1", pkgConfig: "libsecp256k1",
                       providers: [.apt(["libsecp256k1-dev"])]),
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium",
                       providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb",
                       providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),

        .target(name: "AthPrimitives"),
        .target(name: "AthCrypto", dependencies: [
            "AthPrimitives", "CSecp256k1", "CSodium",
            .product(name: "_CryptoExtras", package: "swift-crypto"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "AthTypes", dependencies: ["AthPrimitives", "AthCrypto"]),
        .target(name: "AthEVM", dependencies: ["AthPrimitives", "AthCrypto", "AthTypes", "CSodium"]),
        .target(name: "AthTrie", dependencies: ["AthPrimitives", "AthCrypto"]),
        .target(name: "AthExecution", dependencies: ["AthPrimitives", "AthCrypto", "AthTypes", "AthEVM", "AthTrie"]),
        .target(name: "AthStorage", dependencies: ["AthPrimitives", "AthCrypto", "CLMDB"]),
        .target(name: "AthMempool", dependencies: ["AthPrimitives", "AthCrypto", "AthTypes"]),
        .target(name: "AthRPC", dependencies: [
            "AthPrimitives",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
        ]),
        .target(name: "AthConsensus", dependencies: ["AthPrimitives", "AthCrypto"]),
        .target(name: "AthClient", dependencies: ["AthPrimitives", "AthCrypto", "AthTypes", "AthRPC",
                                                  .product(name: "Logging", package: "swift-log")]),
        .target(name: "AthOracle", dependencies: ["AthPrimitives", "AthCrypto", "AthTypes"]),
        .target(name: "AthChecker", dependencies: [
            "AthPrimitives", "AthCrypto", "AthTypes", "AthRPC", "AthClient", "COpenBLAS",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "AthWorker", dependencies: [
            "AthPrimitives", "AthCrypto", "AthTypes", "AthRPC", "AthClient", "COpenBLAS",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "AthP2P", dependencies: [
            "AthPrimitives", "AthCrypto", "CSodium",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "AthNode", dependencies: [
            "AthPrimitives", "AthCrypto", "AthTypes", "AthEVM", "AthTrie", "AthExecution", "AthStorage",
            "AthMempool", "AthRPC", "AthConsensus", "AthP2P", "AthOracle", "AthClient",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .target(name: "AthConformance", dependencies: ["AthPrimitives", "AthCrypto", "AthTypes", "AthEVM", "AthTrie", "AthExecution"]),
        .target(name: "AthTestSupport", dependencies: ["AthPrimitives", "AthCrypto", "AthTypes"]),

        .executableTarget(name: "ath", dependencies: [
            "AthPrimitives", "AthCrypto", "AthTypes", "AthEVM", "AthExecution", "AthConformance", "AthRPC", "AthClient",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "athd", dependencies: [
            "AthPrimitives", "AthCrypto", "AthTypes", "AthStorage", "AthNode", "AthConsensus", "AthClient",
            "AthWorker", "AthChecker",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "ath-worker", dependencies: [
            "AthPrimitives", "AthCrypto", "AthTypes", "AthClient", "AthWorker",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "ath-checker", dependencies: [
            "AthPrimitives", "AthCrypto", "AthTypes", "AthClient", "AthChecker",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "athbench", dependencies: ["AthPrimitives", "AthCrypto", "AthTypes", "AthEVM", "AthExecution",
                                                           "AthMempool", "AthStorage", "AthNode", "AthP2P", "AthWorker", "AthChecker", "AthOracle", "AthClient",
                                                           "CSecp256k1", "CLMDB",
                                                           .product(name: "Logging", package: "swift-log")],
                          path: "Benchmarks/AthBench"),

        .testTarget(name: "AthPrimitivesTests", dependencies: ["AthPrimitives", "AthTestSupport"]),
        .testTarget(name: "AthCryptoTests", dependencies: ["AthPrimitives", "AthCrypto", "AthTestSupport"]),
        .testTarget(name: "AthTypesTests", dependencies: ["AthPrimitives", "AthCrypto", "AthTypes", "AthTestSupport"]),
        .testTarget(name: "AthEVMTests", dependencies: ["AthPrimitives", "AthCrypto", "AthEVM", "AthTestSupport"]),
        .testTarget(name: "AthTrieTests", dependencies: ["AthPrimitives", "AthCrypto", "AthTrie", "AthTestSupport"]),
        .testTarget(name: "AthExecutionTests", dependencies: ["AthPrimitives", "AthCrypto", "AthTypes", "AthEVM", "AthExecution", "AthTestSupport"]),
        .testTarget(name: "AthStorageTests", dependencies: ["AthPrimitives", "AthCrypto", "AthStorage", "AthTestSupport"]),
        .testTarget(name: "AthMempoolTests", dependencies: ["AthPrimitives", "AthCrypto", "AthTypes", "AthMempool", "AthTestSupport"]),
        .testTarget(name: "AthRPCTests", dependencies: ["AthPrimitives", "AthRPC", "AthTestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio")]),
        .testTarget(name: "AthNodeTests", dependencies: ["AthPrimitives", "AthCrypto", "AthTypes", "AthEVM", "AthExecution",
            "AthStorage", "AthMempool", "AthNode", "AthTestSupport", "AthConsensus", "AthP2P",
            .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "AthClientTests", dependencies: ["AthPrimitives", "AthClient"]),
        .testTarget(name: "AthWorkerTests", dependencies: ["AthPrimitives", "AthCrypto", "AthTypes", "AthWorker", "AthClient"]),
        .testTarget(name: "AthCheckerTests", dependencies: ["AthPrimitives", "AthCrypto", "AthTypes", "AthChecker", "AthClient", "AthRPC"]),
        .testTarget(name: "AthOracleTests", dependencies: ["AthPrimitives", "AthCrypto", "AthTypes", "AthOracle"]),
        .testTarget(name: "AthConsensusTests", dependencies: ["AthPrimitives", "AthCrypto", "AthConsensus", "AthTestSupport"]),
        .testTarget(name: "AthP2PTests", dependencies: ["AthPrimitives", "AthCrypto", "AthP2P", "AthTestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio")]),
        .testTarget(name: "AthConformanceTests", dependencies: ["AthConformance", "AthTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets (`make fuzz`), one per decoder of remote bytes, under
// Fuzz/. Declared only when ATH_FUZZ is set: they build only with
// `-sanitize=fuzzer` (libFuzzer supplies `main`).
if Context.environment["ATH_FUZZ"] != nil {
    let fuzzTargets: [(name: String, path: String, dependencies: [Target.Dependency])] = [
        ("fuzz-rlp", "Fuzz/RLP", ["AthPrimitives"]),
        ("fuzz-transaction", "Fuzz/Transaction", ["AthPrimitives", "AthTypes"]),
        ("fuzz-block", "Fuzz/Block", ["AthPrimitives", "AthTypes"]),
        ("fuzz-consensus", "Fuzz/Consensus", ["AthPrimitives", "AthConsensus"]),
        ("fuzz-p2p", "Fuzz/P2P", ["AthPrimitives", "AthCrypto", "AthP2P"]),
        ("fuzz-attestation", "Fuzz/Attestation", ["AthPrimitives", "AthOracle"]),
        ("fuzz-gemm-spec", "Fuzz/GemmSpec", ["AthPrimitives", "AthTypes"]),
        ("fuzz-jsonrpc", "Fuzz/JSONRPC", ["AthPrimitives", "AthRPC"]),
        ("fuzz-genesis", "Fuzz/Genesis", ["AthPrimitives", "AthTypes"]),
        ("fuzz-node-wire", "Fuzz/NodeWire", ["AthPrimitives", "AthNode"]),
    ]
    package.targets.append(.target(name: "FuzzDriver", path: "Fuzz/Driver"))
    for t in fuzzTargets {
        package.targets.append(.executableTarget(name: t.name, dependencies: t.dependencies + ["FuzzDriver"], path: t.path,
                                                 swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
        package.products.append(.executable(name: t.name, targets: [t.name]))
    }
}
