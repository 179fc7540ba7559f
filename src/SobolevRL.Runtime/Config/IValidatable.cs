namespace SobolevRL.Config;

/// <summary>A config section that checks its own values; <see cref="Validate"/> throws <see cref="UserErrorException"/> naming the key.</summary>
public interface IValidatable
{
    /// <summary>Checks every value; <paramref name="path"/> is this section's dotted key (e.g. <c>training</c>), used in messages.</summary>
    void Validate(string path);
}
