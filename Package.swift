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
        .target(name: "AthChecker", dependencies: ["AthPrimitives", "AthCrypto", "AthTypes", "COpenBLAS"]),
        .target(name: "AthWorker", dependencies: ["AthPrimitives", "AthCrypto", "AthTypes", "COpenBLAS"]),
        .target(name: "AthP2P", dependencies: [
            "AthPrimitives", "AthCrypto", "CSodium",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "AthNode", dependencies: [
            "AthPrimitives", "AthCrypto", "AthTypes", "AthEVM", "AthTrie", "AthExecution", "AthStorage",
            "AthMempool", "AthRPC", "AthConsensus", "AthP2P",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .target(name: "AthConformance", dependencies: ["AthPrimitives", "AthCrypto", "AthTypes", "AthEVM", "AthTrie", "AthExecution"]),
        .target(name: "AthTestSupport", dependencies: ["AthPrimitives", "AthCrypto", "AthTypes"]),

        .executableTarget(name: "ath", dependencies: [
            "AthPrimitives", "AthCrypto", "AthTypes", "AthEVM", "AthExecution", "AthConformance", "AthRPC",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "athd", dependencies: [
            "AthPrimitives", "AthCrypto", "AthTypes", "AthStorage", "AthNode", "AthConsensus",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "athbench", dependencies: ["AthPrimitives", "AthCrypto", "AthTypes", "AthExecution",
                                                           "AthMempool", "AthStorage", "AthNode", "AthP2P", "AthWorker", "AthChecker",
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
        .testTarget(name: "AthWorkerTests", dependencies: ["AthPrimitives", "AthCrypto", "AthTypes", "AthWorker"]),
        .testTarget(name: "AthCheckerTests", dependencies: ["AthPrimitives", "AthCrypto", "AthTypes", "AthChecker"]),
        .testTarget(name: "AthConsensusTests", dependencies: ["AthPrimitives", "AthCrypto", "AthConsensus", "AthTestSupport"]),
        .testTarget(name: "AthP2PTests", dependencies: ["AthPrimitives", "AthCrypto", "AthP2P", "AthTestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio")]),
        .testTarget(name: "AthConformanceTests", dependencies: ["AthConformance", "AthTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
