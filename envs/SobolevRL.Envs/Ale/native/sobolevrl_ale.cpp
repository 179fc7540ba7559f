// SobolevRL's extern "C" shim over ale::ALEInterface; see sobolevrl_ale.h for the rules of the interface.
#include "sobolevrl_ale.h"

#include <ale/ale_interface.hpp>
#include <ale/emucore/Random.hxx>
#include <ale/emucore/Serializer.hxx>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <exception>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

struct sobolevrl_ale {
  ale::ALEInterface interface;
  std::string rom_path;
  sobolevrl_ale_settings settings;
  // The emulator right after the last ROM load, without ALE's generator; valid when `restorable`.
  ale::ALEState after_load;
  // True when loading drew nothing from ALE's generator, so the state after a load with any seed is `after_load` with
  // the generator freshly seeded (ALE seeds the emulator's own generator with the fixed `system_random_seed`).
  bool restorable = false;
};

namespace {

thread_local std::string last_error;

int32_t fail(int32_t code, const std::string& message) {
  last_error = message;
  return code;
}

// Runs body, turning any exception into SOBOLEVRL_ALE_E_FAILED with its message.
template <typename Body>
int32_t guarded(const char* function, Body&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    return fail(SOBOLEVRL_ALE_E_FAILED, std::string(function) + ": " + e.what());
  } catch (...) {
    return fail(SOBOLEVRL_ALE_E_FAILED, std::string(function) + ": unknown C++ exception");
  }
}

std::string join(const std::vector<int>& values) {
  std::ostringstream out;
  for (size_t i = 0; i < values.size(); i++) out << (i ? ", " : "") << values[i];
  return out.str();
}

int32_t copy_list(const std::vector<int>& values, int32_t* out, int32_t capacity, int32_t* count) {
  if (count == nullptr || (out == nullptr && capacity > 0) || capacity < 0)
    return fail(SOBOLEVRL_ALE_E_ARGUMENT, "null count or list buffer");
  *count = static_cast<int32_t>(values.size());
  int32_t n = std::min(*count, capacity);
  for (int32_t i = 0; i < n; i++) out[i] = values[i];
  return SOBOLEVRL_ALE_OK;
}

// Checks that ALE knows the ROM; returns OK or the status to report (ALE's loadROM would std::exit instead).
int32_t check_rom(const char* rom_path, std::string* game_id) {
  if (rom_path == nullptr) return fail(SOBOLEVRL_ALE_E_ARGUMENT, "null ROM path");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(rom_path, ec))
    return fail(SOBOLEVRL_ALE_E_ROM_NOT_FOUND, std::string("ROM file not found: ") + rom_path);
  std::optional<std::string> game = ale::ALEInterface::isSupportedROM(rom_path);
  if (!game)
    return fail(SOBOLEVRL_ALE_E_ROM_UNSUPPORTED,
                std::string("ALE does not support the ROM ") + rom_path +
                    " (its MD5 is not that of a supported game: ALE identifies a ROM by its file name or MD5 and"
                    " requires the MD5 of its supported dump)");
  if (game_id != nullptr) *game_id = *game;
  return SOBOLEVRL_ALE_OK;
}

// True when ALE's generator (sticky actions) is in the state its seed gives it, i.e. loading drew nothing from it
// (a game's mode selection may: Adventure presses select for random times).
bool generator_untouched(sobolevrl_ale* ale) {
  ale::stella::Random fresh;
  fresh.seed(static_cast<uint32_t>(ale->settings.random_seed));
  ale::stella::Serializer expected, actual;
  fresh.saveState(expected);
  ale->interface.environment->getEnvironmentRNG().saveState(actual);
  return expected.get_str() == actual.get_str();
}

// Applies the settings, loads the ROM and selects mode and difficulty (which ALE takes after loading).
int32_t load(sobolevrl_ale* ale) {
  const sobolevrl_ale_settings& s = ale->settings;
  ale->interface.setInt("random_seed", s.random_seed);
  ale->interface.setFloat("repeat_action_probability", s.repeat_action_probability);
  ale->interface.setInt("frame_skip", s.frame_skip);
  ale->interface.setInt("max_num_frames_per_episode", s.max_num_frames_per_episode);
  ale->interface.loadROM(ale->rom_path);
  if (s.mode >= 0) {
    ale::ModeVect modes = ale->interface.getAvailableModes();
    if (std::find(modes.begin(), modes.end(), static_cast<ale::game_mode_t>(s.mode)) == modes.end())
      return fail(SOBOLEVRL_ALE_E_MODE, "mode " + std::to_string(s.mode) + " is not available; available modes: " +
                                            join(std::vector<int>(modes.begin(), modes.end())));
    ale->interface.setMode(static_cast<ale::game_mode_t>(s.mode));
  }
  if (s.difficulty >= 0) {
    ale::DifficultyVect difficulties = ale->interface.getAvailableDifficulties();
    if (std::find(difficulties.begin(), difficulties.end(), static_cast<ale::difficulty_t>(s.difficulty)) ==
        difficulties.end())
      return fail(SOBOLEVRL_ALE_E_MODE, "difficulty " + std::to_string(s.difficulty) +
                                            " is not available; available difficulties: " +
                                            join(std::vector<int>(difficulties.begin(), difficulties.end())));
    ale->interface.setDifficulty(static_cast<ale::difficulty_t>(s.difficulty));
  }
  // A new mode or difficulty takes effect at the next reset.
  if (s.mode >= 0 || s.difficulty >= 0) ale->interface.reset_game();
  ale->restorable = generator_untouched(ale);
  if (ale->restorable) ale->after_load = ale->interface.cloneState(false);
  return SOBOLEVRL_ALE_OK;
}

int32_t check_settings(const sobolevrl_ale_settings* s) {
  if (s == nullptr) return fail(SOBOLEVRL_ALE_E_ARGUMENT, "null settings");
  if (s->random_seed < 0) return fail(SOBOLEVRL_ALE_E_ARGUMENT, "random_seed must be >= 0");
  if (!(s->repeat_action_probability >= 0.0f && s->repeat_action_probability <= 1.0f))
    return fail(SOBOLEVRL_ALE_E_ARGUMENT, "repeat_action_probability must be in [0, 1]");
  if (s->frame_skip < 1) return fail(SOBOLEVRL_ALE_E_ARGUMENT, "frame_skip must be >= 1");
  if (s->max_num_frames_per_episode < 0)
    return fail(SOBOLEVRL_ALE_E_ARGUMENT, "max_num_frames_per_episode must be >= 0");
  return SOBOLEVRL_ALE_OK;
}

int32_t check_screen(sobolevrl_ale* ale, const uint8_t* buffer, size_t length, size_t channels) {
  if (ale == nullptr || buffer == nullptr) return fail(SOBOLEVRL_ALE_E_ARGUMENT, "null handle or screen buffer");
  const ale::ALEScreen& screen = ale->interface.getScreen();
  size_t expected = screen.height() * screen.width() * channels;
  if (length != expected)
    return fail(SOBOLEVRL_ALE_E_BUFFER_SIZE, "screen buffer has " + std::to_string(length) + " bytes, the screen " +
                                                 std::to_string(expected));
  return SOBOLEVRL_ALE_OK;
}

}  // namespace

extern "C" {

int32_t sobolevrl_ale_abi_version(void) { return SOBOLEVRL_ALE_ABI_VERSION; }

const char* sobolevrl_ale_last_error(void) { return last_error.c_str(); }

int32_t sobolevrl_ale_version_string(char* buffer, int32_t capacity) {
  if (buffer == nullptr || capacity <= 0) return fail(SOBOLEVRL_ALE_E_ARGUMENT, "null or empty version buffer");
  std::snprintf(buffer, static_cast<size_t>(capacity), "%s", ALE_VERSION);
  return SOBOLEVRL_ALE_OK;
}

int32_t sobolevrl_ale_is_supported_rom(const char* rom_path, char* game_id, int32_t capacity) {
  return guarded("sobolevrl_ale_is_supported_rom", [&]() -> int32_t {
    std::string game;
    int32_t status = check_rom(rom_path, &game);
    if (status == SOBOLEVRL_ALE_E_ROM_UNSUPPORTED) return 0;
    if (status != SOBOLEVRL_ALE_OK) return status;
    if (game_id != nullptr) {
      if (capacity <= static_cast<int32_t>(game.size()))
        return fail(SOBOLEVRL_ALE_E_BUFFER_SIZE, "game id buffer too small for " + game);
      std::memcpy(game_id, game.c_str(), game.size() + 1);
    }
    return 1;
  });
}

int32_t sobolevrl_ale_create(const char* rom_path, const sobolevrl_ale_settings* settings, sobolevrl_ale** out) {
  return guarded("sobolevrl_ale_create", [&]() -> int32_t {
    if (out == nullptr) return fail(SOBOLEVRL_ALE_E_ARGUMENT, "null output handle");
    *out = nullptr;
    int32_t status = check_settings(settings);
    if (status != SOBOLEVRL_ALE_OK) return status;
    status = check_rom(rom_path, nullptr);
    if (status != SOBOLEVRL_ALE_OK) return status;
    ale::Logger::setMode(ale::Logger::Error);
    auto ale = std::make_unique<sobolevrl_ale>();
    ale->rom_path = rom_path;
    ale->settings = *settings;
    status = load(ale.get());
    if (status != SOBOLEVRL_ALE_OK) return status;
    *out = ale.release();
    return SOBOLEVRL_ALE_OK;
  });
}

void sobolevrl_ale_destroy(sobolevrl_ale* ale) {
  try {
    delete ale;
  } catch (...) {
    // A destructor that throws leaves nothing to recover; never let it cross the C boundary.
  }
}

int32_t sobolevrl_ale_reseed(sobolevrl_ale* ale, int32_t random_seed) {
  return guarded("sobolevrl_ale_reseed", [&]() -> int32_t {
    if (ale == nullptr) return fail(SOBOLEVRL_ALE_E_ARGUMENT, "null handle");
    if (random_seed < 0) return fail(SOBOLEVRL_ALE_E_ARGUMENT, "random_seed must be >= 0");
    ale->settings.random_seed = random_seed;
    return load(ale);
  });
}

int32_t sobolevrl_ale_reset_seeded(sobolevrl_ale* ale, int32_t random_seed) {
  return guarded("sobolevrl_ale_reset_seeded", [&]() -> int32_t {
    if (ale == nullptr) return fail(SOBOLEVRL_ALE_E_ARGUMENT, "null handle");
    if (random_seed < 0) return fail(SOBOLEVRL_ALE_E_ARGUMENT, "random_seed must be >= 0");
    ale->settings.random_seed = random_seed;
    if (ale->restorable) {
      // What a reload would give: the seed only reaches ALE's generator, and loading drew nothing from it.
      ale->interface.restoreState(ale->after_load);
      ale->interface.environment->getEnvironmentRNG().seed(static_cast<uint32_t>(random_seed));
    } else {
      int32_t status = load(ale);
      if (status != SOBOLEVRL_ALE_OK) return status;
    }
    ale->interface.reset_game();
    return SOBOLEVRL_ALE_OK;
  });
}

int32_t sobolevrl_ale_action_set(sobolevrl_ale* ale, int32_t minimal, int32_t* actions, int32_t capacity,
                                 int32_t* count) {
  return guarded("sobolevrl_ale_action_set", [&]() -> int32_t {
    if (ale == nullptr) return fail(SOBOLEVRL_ALE_E_ARGUMENT, "null handle");
    ale::ActionVect set = minimal ? ale->interface.getMinimalActionSet() : ale->interface.getLegalActionSet();
    return copy_list(std::vector<int>(set.begin(), set.end()), actions, capacity, count);
  });
}

int32_t sobolevrl_ale_available_modes(sobolevrl_ale* ale, int32_t* modes, int32_t capacity, int32_t* count) {
  return guarded("sobolevrl_ale_available_modes", [&]() -> int32_t {
    if (ale == nullptr) return fail(SOBOLEVRL_ALE_E_ARGUMENT, "null handle");
    ale::ModeVect all = ale->interface.getAvailableModes();
    return copy_list(std::vector<int>(all.begin(), all.end()), modes, capacity, count);
  });
}

int32_t sobolevrl_ale_available_difficulties(sobolevrl_ale* ale, int32_t* difficulties, int32_t capacity,
                                             int32_t* count) {
  return guarded("sobolevrl_ale_available_difficulties", [&]() -> int32_t {
    if (ale == nullptr) return fail(SOBOLEVRL_ALE_E_ARGUMENT, "null handle");
    ale::DifficultyVect all = ale->interface.getAvailableDifficulties();
    return copy_list(std::vector<int>(all.begin(), all.end()), difficulties, capacity, count);
  });
}

int32_t sobolevrl_ale_act(sobolevrl_ale* ale, int32_t action, int32_t* reward) {
  return guarded("sobolevrl_ale_act", [&]() -> int32_t {
    if (ale == nullptr || reward == nullptr) return fail(SOBOLEVRL_ALE_E_ARGUMENT, "null handle or reward");
    if (action < 0 || action > SOBOLEVRL_ALE_MAX_ACTION)
      return fail(SOBOLEVRL_ALE_E_ARGUMENT, "action " + std::to_string(action) + " is not an ALE action id (0..17)");
    *reward = static_cast<int32_t>(ale->interface.act(static_cast<ale::Action>(action)));
    return SOBOLEVRL_ALE_OK;
  });
}

int32_t sobolevrl_ale_game_over(sobolevrl_ale* ale, int32_t with_truncation) {
  return guarded("sobolevrl_ale_game_over", [&]() -> int32_t {
    if (ale == nullptr) return fail(SOBOLEVRL_ALE_E_ARGUMENT, "null handle");
    return ale->interface.game_over(with_truncation != 0) ? 1 : 0;
  });
}

int32_t sobolevrl_ale_game_truncated(sobolevrl_ale* ale) {
  return guarded("sobolevrl_ale_game_truncated", [&]() -> int32_t {
    if (ale == nullptr) return fail(SOBOLEVRL_ALE_E_ARGUMENT, "null handle");
    return ale->interface.game_truncated() ? 1 : 0;
  });
}

int32_t sobolevrl_ale_lives(sobolevrl_ale* ale) {
  return guarded("sobolevrl_ale_lives", [&]() -> int32_t {
    if (ale == nullptr) return fail(SOBOLEVRL_ALE_E_ARGUMENT, "null handle");
    return ale->interface.lives();
  });
}

int32_t sobolevrl_ale_frame_number(sobolevrl_ale* ale) {
  return guarded("sobolevrl_ale_frame_number", [&]() -> int32_t {
    if (ale == nullptr) return fail(SOBOLEVRL_ALE_E_ARGUMENT, "null handle");
    return ale->interface.getFrameNumber();
  });
}

int32_t sobolevrl_ale_episode_frame_number(sobolevrl_ale* ale) {
  return guarded("sobolevrl_ale_episode_frame_number", [&]() -> int32_t {
    if (ale == nullptr) return fail(SOBOLEVRL_ALE_E_ARGUMENT, "null handle");
    return ale->interface.getEpisodeFrameNumber();
  });
}

int32_t sobolevrl_ale_reset_game(sobolevrl_ale* ale) {
  return guarded("sobolevrl_ale_reset_game", [&]() -> int32_t {
    if (ale == nullptr) return fail(SOBOLEVRL_ALE_E_ARGUMENT, "null handle");
    ale->interface.reset_game();
    return SOBOLEVRL_ALE_OK;
  });
}

int32_t sobolevrl_ale_screen_size(sobolevrl_ale* ale, int32_t* height, int32_t* width) {
  return guarded("sobolevrl_ale_screen_size", [&]() -> int32_t {
    if (ale == nullptr || height == nullptr || width == nullptr)
      return fail(SOBOLEVRL_ALE_E_ARGUMENT, "null handle or output");
    const ale::ALEScreen& screen = ale->interface.getScreen();
    *height = static_cast<int32_t>(screen.height());
    *width = static_cast<int32_t>(screen.width());
    return SOBOLEVRL_ALE_OK;
  });
}

int32_t sobolevrl_ale_screen_grayscale(sobolevrl_ale* ale, uint8_t* buffer, size_t length) {
  return guarded("sobolevrl_ale_screen_grayscale", [&]() -> int32_t {
    int32_t status = check_screen(ale, buffer, length, 1);
    if (status != SOBOLEVRL_ALE_OK) return status;
    // The pointer overload of the palette writes into our buffer directly (the vector overload would allocate).
    const ale::ALEScreen& screen = ale->interface.getScreen();
    ale->interface.theOSystem->colourPalette().applyPaletteGrayscale(buffer, screen.getArray(), length);
    return SOBOLEVRL_ALE_OK;
  });
}

int32_t sobolevrl_ale_screen_rgb(sobolevrl_ale* ale, uint8_t* buffer, size_t length) {
  return guarded("sobolevrl_ale_screen_rgb", [&]() -> int32_t {
    int32_t status = check_screen(ale, buffer, length, 3);
    if (status != SOBOLEVRL_ALE_OK) return status;
    const ale::ALEScreen& screen = ale->interface.getScreen();
    ale->interface.theOSystem->colourPalette().applyPaletteRGB(buffer, screen.getArray(), length / 3);
    return SOBOLEVRL_ALE_OK;
  });
}

int32_t sobolevrl_ale_benchmark(sobolevrl_ale* ale, int64_t frames, uint64_t seed, int32_t grayscale,
                                double* frames_per_second) {
  return guarded("sobolevrl_ale_benchmark", [&]() -> int32_t {
    if (ale == nullptr || frames_per_second == nullptr || frames <= 0)
      return fail(SOBOLEVRL_ALE_E_ARGUMENT, "null handle or output, or frames <= 0");
    int32_t actions[SOBOLEVRL_ALE_MAX_ACTION + 1];
    int32_t count = 0;
    int32_t status = sobolevrl_ale_action_set(ale, 1, actions, SOBOLEVRL_ALE_MAX_ACTION + 1, &count);
    if (status != SOBOLEVRL_ALE_OK) return status;
    int32_t height = 0, width = 0;
    status = sobolevrl_ale_screen_size(ale, &height, &width);
    if (status != SOBOLEVRL_ALE_OK) return status;
    std::vector<uint8_t> screen(static_cast<size_t>(height) * width);
    uint64_t state = seed == 0 ? 0x9E3779B97F4A7C15ULL : seed;
    auto start = std::chrono::steady_clock::now();
    for (int64_t frame = 0; frame < frames; frame++) {
      // xorshift64*: a cheap, seedable source of uniform action indices.
      state ^= state >> 12;
      state ^= state << 25;
      state ^= state >> 27;
      uint64_t draw = state * 0x2545F4914F6CDD1DULL;
      int32_t reward = 0;
      status = sobolevrl_ale_act(ale, actions[(draw >> 32) % static_cast<uint64_t>(count)], &reward);
      if (status != SOBOLEVRL_ALE_OK) return status;
      if (grayscale) {
        status = sobolevrl_ale_screen_grayscale(ale, screen.data(), screen.size());
        if (status != SOBOLEVRL_ALE_OK) return status;
      }
      int32_t over = sobolevrl_ale_game_over(ale, 1);
      if (over < 0) return over;
      if (over) {
        status = sobolevrl_ale_reset_game(ale);
        if (status != SOBOLEVRL_ALE_OK) return status;
      }
    }
    std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    *frames_per_second = static_cast<double>(frames) / elapsed.count();
    return SOBOLEVRL_ALE_OK;
  });
}

}  // extern "C"
