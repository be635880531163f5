import ArgumentParser
import AthClient
import AthCrypto
import AthPrimitives
import Foundation

struct HomeOption: ParsableArguments {
    @Option(name: .long, help: "Node home directory (default: $ATH_HOME or ~/.ath); keys live in <home>/keystore.")
    var home: String?

    var keyStore: KeyStore { KeyStore(home: home ?? KeyStore.defaultHome) }
}

func parseAddress(_ text: String) throws -> Address {
    do { return try Address(checksummed: text) } catch { throw CLIError("\(error)") }
}

func printJSON(_ object: Any) {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])) ?? Data()
    print(String(decoding: data, as: UTF8.self))
}

struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage secp256k1 account keys in the encrypted keystore.",
        subcommands: [New.self, List.self, Show.self, Import.self, Export.self, Delete.self]
    )

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a new key, sealed with a password (Argon2id + XChaCha20-Poly1305).")
        @OptionGroup var home: HomeOption
        @Option(help: "Read the password from the first line of this file.") var passwordFile: String?
        @Flag(help: "Use fast key-derivation limits (libsodium INTERACTIVE): for tests and throwaway keys only.") var lightKdf = false
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            try reporting {
                let password = try Password.read(file: passwordFile, prompt: "Password for the new key: ", confirm: true)
                let entry = try home.keyStore.store(Secp256k1PrivateKey.generate(), password: password,
                                                    strength: lightKdf ? .interactive : .moderate)
                if json { printJSON(["address": entry.address.checksummed, "path": entry.path]) } else {
                    print("address: \(entry.address.checksummed)")
                    print("file:    \(entry.path)")
                }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the keys in the keystore.")
        @OptionGroup var home: HomeOption
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            try reporting {
                let entries = try home.keyStore.list()
                if json {
                    printJSON(entries.map { ["address": $0.address.checksummed, "path": $0.path] })
                } else if entries.isEmpty {
                    print("no keys in \(home.keyStore.directory)")
                } else {
                    for e in entries { print("\(e.address.checksummed)  \(e.path)") }
                }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a key's address, file and, with the password, its public key.")
        @OptionGroup var home: HomeOption
        @Argument(help: "The key's address.") var address: String
        @Flag(help: "Unlock the key and also print its public key.") var publicKey = false
        @Option(help: "Read the password from the first line of this file.") var passwordFile: String?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            try reporting {
                let a = try parseAddress(address)
                let entry = try home.keyStore.entry(for: a)
                var fields: [(String, String)] = [("address", a.checksummed), ("path", entry.path)]
                if publicKey {
                    let password = try Password.read(file: passwordFile, prompt: "Password: ")
                    let key = try home.keyStore.load(a, password: password)
                    fields.append(("publicKey", Hex.encode(key.publicKey.uncompressed)))
                }
                if json { printJSON(Dictionary(uniqueKeysWithValues: fields)) } else {
                    for (k, v) in fields { print("\(k + ":") \(v)") }
                }
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a key from a Web3 Secret Storage v3 file (geth, MetaMask, eth-account) or a hex private key file.")
        @OptionGroup var home: HomeOption
        @Argument(help: "The file to import.") var file: String
        @Flag(help: "The file holds a bare hex private key instead of a v3 keystore.") var rawHex = false
        @Option(help: "Password of the file to import (first line of this file).") var passwordFile: String?
        @Option(help: "Password to seal the key with here (default: the same password).") var newPasswordFile: String?
        @Flag(help: "Use fast key-derivation limits: for tests and throwaway keys only.") var lightKdf = false
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            try reporting {
                let bytes = try KeyStore.readFile(file)
                let key: Secp256k1PrivateKey
                let password: String
                if rawHex {
                    let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                    key = try Secp256k1PrivateKey(try Hex.decode(text, count: 32))
                    password = try Password.read(file: newPasswordFile ?? passwordFile, prompt: "Password for the key: ", confirm: true)
                } else {
                    password = try Password.read(file: passwordFile, prompt: "Password of the keystore file: ")
                    key = try Web3SecretStorage.decrypt(bytes, password: password)
                }
                let sealWith = try newPasswordFile.map { try Password.read(file: $0, prompt: "") } ?? password
                let entry = try home.keyStore.store(key, password: sealWith, strength: lightKdf ? .interactive : .moderate)
                if json { printJSON(["address": entry.address.checksummed, "path": entry.path]) } else {
                    print("imported \(entry.address.checksummed) into \(entry.path)")
                }
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export a key as a Web3 Secret Storage v3 file or in the native format.")
        enum Format: String, ExpressibleByArgument, CaseIterable { case web3V3 = "web3-v3", native }
        enum KDFChoice: String, ExpressibleByArgument, CaseIterable { case scrypt, pbkdf2 }

        @OptionGroup var home: HomeOption
        @Argument(help: "The key's address.") var address: String
        @Option(help: "web3-v3 (geth, MetaMask, eth-account) or native.") var format: Format = .web3V3
        @Option(help: "Key derivation for web3-v3: scrypt or pbkdf2.") var kdf: KDFChoice = .scrypt
        @Flag(help: "Use fast key-derivation settings: for tests and throwaway keys only.") var lightKdf = false
        @Option(help: "Password of the key here (first line of this file).") var passwordFile: String?
        @Option(help: "Password for the exported file (default: the same password).") var newPasswordFile: String?
        @Option(name: [.short, .long], help: "Write to this file (mode 0600) instead of standard output.") var output: String?

        func run() throws {
            try reporting {
                let a = try parseAddress(address)
                let password = try Password.read(file: passwordFile, prompt: "Password: ")
                let key = try home.keyStore.load(a, password: password)
                let exportPassword = try newPasswordFile.map { try Password.read(file: $0, prompt: "") } ?? password
                let doc: [UInt8]
                switch format {
                case .web3V3:
                    let choice: Web3SecretStorage.KeyDerivation
                    switch (kdf, lightKdf) {
                    case (.scrypt, false): choice = .standardScrypt
                    case (.scrypt, true): choice = .lightScrypt
                    case (.pbkdf2, false): choice = .standardPBKDF2
                    case (.pbkdf2, true): choice = .pbkdf2(iterations: 262_144)
                    }
                    doc = try Web3SecretStorage.encrypt(key, password: exportPassword, kdf: choice)
                case .native:
                    doc = try NativeKeystore.encrypt(key, password: exportPassword, strength: lightKdf ? .interactive : .moderate)
                }
                if let output {
                    try KeyStore.writeFile(doc, to: output)
                    FileHandle.standardError.write(Data("exported \(a.checksummed) to \(output)\n".utf8))
                } else {
                    FileHandle.standardOutput.write(Data(doc))
                }
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a key (the password must open it first).")
        @OptionGroup var home: HomeOption
        @Argument(help: "The key's address.") var address: String
        @Option(help: "Read the password from the first line of this file.") var passwordFile: String?

        func run() throws {
            try reporting {
                let a = try parseAddress(address)
                let password = try Password.read(file: passwordFile, prompt: "Password: ")
                try home.keyStore.delete(a, password: password)
                print("deleted \(a.checksummed)")
            }
        }
    }
}
