using System.Text;

namespace SobolevRL.Envs.Ale;

/// <summary>
/// The games ALE supports (ALE 0.12.1's supported ROMs), by ROM id: the snake_case name ALE uses, which is also the ROM
/// file name SobolevRL looks for (<c>&lt;rom id&gt;.bin</c>). Ids name a game as Gymnasium does: the ROM id in
/// PascalCase (<c>space_invaders</c> → <c>SpaceInvaders</c>, <c>tic_tac_toe_3d</c> → <c>TicTacToe3D</c>).
/// </summary>
public static class AleGames
{
    /// <summary>ROM ids of every supported game, sorted.</summary>
    public static IReadOnlyList<string> RomIds { get; } =
    [
        "adventure", "air_raid", "alien", "amidar", "assault", "asterix", "asteroids", "atlantis", "atlantis2",
        "backgammon", "bank_heist", "basic_math", "battle_zone", "beam_rider", "berzerk", "blackjack", "bowling",
        "boxing", "breakout", "carnival", "casino", "centipede", "chopper_command", "crazy_climber", "crossbow",
        "darkchambers", "defender", "demon_attack", "donkey_kong", "double_dunk", "earthworld", "elevator_action",
        "enduro", "entombed", "et", "fishing_derby", "flag_capture", "freeway", "frogger", "frostbite", "galaxian",
        "gopher", "gravitar", "hangman", "haunted_house", "hero", "human_cannonball", "ice_hockey", "jamesbond",
        "journey_escape", "kaboom", "kangaroo", "keystone_kapers", "king_kong", "klax", "koolaid", "krull",
        "kung_fu_master", "laser_gates", "lost_luggage", "mario_bros", "miniature_golf", "montezuma_revenge", "mr_do",
        "ms_pacman", "name_this_game", "othello", "pacman", "phoenix", "pitfall", "pitfall2", "pong", "pooyan",
        "private_eye", "qbert", "riverraid", "road_runner", "robotank", "seaquest", "sir_lancelot", "skiing",
        "solaris", "space_invaders", "space_war", "star_gunner", "superman", "surround", "tennis", "tetris",
        "tic_tac_toe_3d", "time_pilot", "trondead", "turmoil", "tutankham", "up_n_down", "venture", "video_checkers",
        "video_chess", "video_cube", "video_pinball", "wizard_of_wor", "word_zapper", "yars_revenge", "zaxxon",
    ];

    /// <summary>The id name of a ROM id: each letter that follows a non-letter upper-cased, the rest lower-cased, underscores dropped.</summary>
    public static string ToGameName(string romId)
    {
        ArgumentNullException.ThrowIfNull(romId);
        var name = new StringBuilder(romId.Length);
        bool afterLetter = false;
        foreach (char c in romId)
        {
            bool letter = char.IsAsciiLetter(c);
            if (c != '_') name.Append(letter ? (afterLetter ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)) : c);
            afterLetter = letter;
        }
        return name.ToString();
    }

    /// <summary>The ROM id of a game name as used in ids (e.g. <c>SpaceInvaders</c> → <c>space_invaders</c>), or null when ALE has no such game.</summary>
    public static string? FindRomId(string gameName) =>
        RomIds.FirstOrDefault(id => string.Equals(ToGameName(id), gameName, StringComparison.Ordinal));
}
