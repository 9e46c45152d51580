// The command line, read the way dnsmasq's getopt_long reads it: "--name=value",
// "--name value" (required values only), "-xVALUE", "-x VALUE", bundled short flags
// ("-kd"), and "--" ending the options. Every option goes through the one option table.
#include <string>

#include "option_table.hpp"
#include "sources.hpp"

namespace leasedns::config {

namespace {

std::string unknown_option(std::string_view shown, std::string_view long_name) {
    if (is_unsupported_dnsmasq_option(long_name)) {
        return std::string(shown) +
               ": this dnsmasq option is not supported by leasedns (see leasedns --help)";
    }
    return "unknown option " + std::string(shown) + " (see leasedns --help)";
}

struct Parser {
    const std::vector<std::string>& args;
    CommandLine out;
    ApplyContext ctx{out.draft, &out.invocation, {}};
    size_t i = 0;

    explicit Parser(const std::vector<std::string>& a) : args(a) {
        ctx.conf_file = [this](const std::string& path, const Origin& origin) {
            out.conf_files.emplace_back(path, origin);
            return std::optional<std::string>{};
        };
    }

    std::optional<std::string> apply(const OptionSpec& spec, std::optional<std::string> value) {
        Origin origin = Origin::flag(spec.name);
        std::optional<std::string_view> v;
        if (value) v = *value;
        if (auto e = apply_option(spec, v, origin, ctx)) return origin.error(*e);
        return std::nullopt;
    }

    std::optional<std::string> long_option(std::string_view arg) {
        std::string_view body = arg.substr(2);
        std::optional<std::string> value;
        size_t eq = body.find('=');
        if (eq != std::string_view::npos) {
            value = std::string(body.substr(eq + 1));
            body = body.substr(0, eq);
        }
        const OptionSpec* spec = find_long_option(body);
        if (!spec) return unknown_option("--" + std::string(body), body);
        if (spec->arg == ArgKind::Required && !value) {
            if (i + 1 >= args.size())
                return "--" + std::string(spec->name) + ": needs a value (" +
                       std::string(spec->metavar) + ")";
            value = args[++i];
        }
        return apply(*spec, value);
    }

    std::optional<std::string> short_options(std::string_view arg) {
        for (size_t k = 1; k < arg.size(); ++k) {
            char c = arg[k];
            const OptionSpec* spec = find_short_option(c);
            if (!spec) {
                if (auto name = unsupported_dnsmasq_short(c))
                    return unknown_option(
                        "-" + std::string(1, c) + " (--" + std::string(*name) + ")", *name);
                return unknown_option("-" + std::string(1, c), "");
            }
            if (spec->arg == ArgKind::None) {
                if (auto e = apply(*spec, std::nullopt)) return e;
                continue;
            }
            std::optional<std::string> value;
            if (k + 1 < arg.size()) {
                value = std::string(arg.substr(k + 1));
            } else if (spec->arg == ArgKind::Required) {
                if (i + 1 >= args.size())
                    return "-" + std::string(1, c) + ": needs a value (" +
                           std::string(spec->metavar) + ")";
                value = args[++i];
            }
            return apply(*spec, value);
        }
        return std::nullopt;
    }

    std::optional<std::string> run() {
        for (i = 0; i < args.size(); ++i) {
            std::string_view arg = args[i];
            if (arg == "--") {
                if (i + 1 < args.size())
                    return "unexpected argument '" + args[i + 1] +
                           "' (leasedns takes only options)";
                break;
            }
            std::optional<std::string> e;
            if (arg.size() > 2 && arg.substr(0, 2) == "--") {
                e = long_option(arg);
            } else if (arg.size() > 1 && arg[0] == '-') {
                e = short_options(arg);
            } else {
                e = "unexpected argument '" + std::string(arg) +
                    "' (leasedns takes only options; see leasedns --help)";
            }
            if (e) return e;
        }
        return std::nullopt;
    }
};

}  // namespace

Result<CommandLine, ConfigError> parse_command_line(const std::vector<std::string>& args) {
    Parser p(args);
    if (auto e = p.run()) return Err{ConfigError{*e}};
    return std::move(p.out);
}

}  // namespace leasedns::config
