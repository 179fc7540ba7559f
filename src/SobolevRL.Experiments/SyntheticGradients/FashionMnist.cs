using static TorchSharp.torch;

namespace SobolevRL.SyntheticGradients;

/// <summary>One split of an image-classification set: images <c>[N, 1, H, W]</c> as bytes and labels <c>[N]</c> (int64).</summary>
/// <param name="Images">Pixel values 0–255, <c>[N, 1, H, W]</c>, uint8.</param>
/// <param name="Labels">Class indices, <c>[N]</c>, int64.</param>
public sealed record ImageSplit(Tensor Images, Tensor Labels) : IDisposable
{
    /// <summary>Number of examples.</summary>
    public long Count => Labels.shape[0];

    /// <summary>The first <paramref name="count"/> examples (a view).</summary>
    public ImageSplit Take(long count) => Slice(0, Math.Min(count, Count));

    /// <summary>The <paramref name="count"/> examples from <paramref name="start"/> (views, not copies).</summary>
    public ImageSplit Slice(long start, long count) => start == 0 && count >= Count ? this : new ImageSplit(Images.narrow(0, start, count), Labels.narrow(0, start, count));

    /// <inheritdoc />
    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}

/// <summary>
/// Fashion-MNIST (Xiao et al. 2017: 28×28 grey images of 10 clothing classes, 60 000 training and 10 000 test examples)
/// from the IDX files of Debian's <c>dataset-fashion-mnist</c> package; nothing is ever downloaded.
/// </summary>
public static class FashionMnist
{
    /// <summary>Where Debian's package installs the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The Debian package that ships the files.</summary>
    public const string DebianPackage = "dataset-fashion-mnist";

    /// <summary>Number of classes.</summary>
    public const int Classes = 10;

    private static readonly string[] FileStems = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>Null when <paramref name="directory"/> holds the four files (raw or .gz), else a one-line problem and fix.</summary>
    public static string? MissingReason(string directory)
    {
        var missing = FileStems.Where(stem => Find(directory, stem) is null).ToArray();
        if (missing.Length == 0) return null;
        return $"Fashion-MNIST not found: '{directory}' lacks {string.Join(", ", missing)}[.gz]; install Debian's package "
            + $"(apt-get install {DebianPackage}, files in {DefaultDirectory}) or set data_dir to a directory holding them";
    }

    /// <summary>The path of <paramref name="stem"/> in <paramref name="directory"/>, raw or with <c>.gz</c>, or null.</summary>
    public static string? Find(string directory, string stem) =>
        new[] { stem, stem + ".gz" }.Select(name => Path.Combine(directory, name)).FirstOrDefault(File.Exists);

    /// <summary>Loads the training and test splits from <paramref name="directory"/> (see <see cref="MissingReason"/>).</summary>
    public static (ImageSplit Train, ImageSplit Test) Load(string directory)
    {
        if (MissingReason(directory) is { } reason) throw new UserErrorException(reason);
        return (Split(directory, "train"), Split(directory, "t10k"));
    }

    private static ImageSplit Split(string directory, string prefix)
    {
        string imagesPath = Find(directory, $"{prefix}-images-idx3-ubyte")!, labelsPath = Find(directory, $"{prefix}-labels-idx1-ubyte")!;
        var images = IdxFile.Read(imagesPath);
        var labels = IdxFile.Read(labelsPath);
        if (images.Shape.Length != 3 || labels.Shape.Length != 1 || images.Shape[0] != labels.Shape[0])
            throw new InvalidDataException($"'{imagesPath}' [{string.Join(", ", images.Shape)}] and '{labelsPath}' [{string.Join(", ", labels.Shape)}] are not N images with N labels");
        if (labels.Data.Any(l => l >= Classes)) throw new InvalidDataException($"'{labelsPath}' has a label outside 0..{Classes - 1}");
        var imageTensor = tensor(images.Data, [images.Shape[0], 1, images.Shape[1], images.Shape[2]], dtype: ScalarType.Byte);
        using var labelBytes = tensor(labels.Data, [labels.Shape[0]], dtype: ScalarType.Byte);
        return new ImageSplit(imageTensor, labelBytes.to(ScalarType.Int64));
    }
}
